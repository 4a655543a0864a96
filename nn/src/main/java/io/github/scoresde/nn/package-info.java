/**
 * Score networks: the {@link io.github.scoresde.nn.ScoreNetwork} interface for samples of any shape
 * and its training batch ({@link io.github.scoresde.nn.DenoisingBatch}),
 * {@link io.github.scoresde.nn.NetworkScoreFunction}, the adapter that makes a network a
 * {@link io.github.scoresde.core.DifferentiableScore}, and the toy MLP on DeepLearning4J
 * ({@link io.github.scoresde.nn.MlpScoreNetwork}: Gaussian Fourier time features concatenated with
 * x, fused dense layers, {@link io.github.scoresde.nn.FusedAdam}). The layer and updater classes
 * live here rather than in the optional {@code cpu} module because model files name them; their
 * inner loops go through {@link io.github.scoresde.core.kernels.Kernels}.
 */
package io.github.scoresde.nn;
