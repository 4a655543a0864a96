/**
 * The abstractions every other module shares: the {@link io.github.scoresde.core.ScoreFunction}
 * interface (s(x, t), an estimate of grad_x log p_t(x)) with its capabilities
 * ({@link io.github.scoresde.core.DifferentiableScore} for input vector-Jacobian products,
 * {@link io.github.scoresde.core.ScoreDivergence} for an exact divergence), shape and
 * broadcasting helpers, counter-based seeded randomness ({@link io.github.scoresde.core.RandomSource})
 * and the array operations of the hot paths ({@link io.github.scoresde.core.kernels.Kernels}),
 * plain ND4J unless an optional provider serves them. Depends on ND4J only.
 *
 * <p>Arrays are ND4J {@link org.nd4j.linalg.api.ndarray.INDArray}s, batch first, float32 unless
 * the caller passes float64. Nothing in this package mutates an array a caller passed in.
 */
package io.github.scoresde.core;
