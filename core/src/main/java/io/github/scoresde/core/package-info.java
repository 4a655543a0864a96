/**
 * The abstractions every other module shares: the {@link io.github.scoresde.core.ScoreFunction}
 * interface (s(x, t), an estimate of grad_x log p_t(x)) with its capabilities
 * ({@link io.github.scoresde.core.DifferentiableScore} for input vector-Jacobian products,
 * {@link io.github.scoresde.core.ScoreDivergence} for an exact divergence), shape and
 * broadcasting helpers, counter-based seeded randomness ({@link io.github.scoresde.core.RandomSource})
 * and isotropic Gaussian mixtures ({@link io.github.scoresde.oracle.GaussianMixture}), whose
 * perturbed densities give exact scores for testing.
 *
 * <p>Arrays are ND4J {@link org.nd4j.linalg.api.ndarray.INDArray}s, batch first, float32 unless
 * the caller passes float64. Nothing in this package mutates an array a caller passed in.
 */
package io.github.scoresde.core;
