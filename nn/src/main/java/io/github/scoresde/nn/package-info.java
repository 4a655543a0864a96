/**
 * Time-dependent score networks built with DeepLearning4J: {@link io.github.scoresde.nn.MlpScoreNetwork}
 * (Gaussian Fourier time features concatenated with x, a stack of dense layers), its loss
 * functions, and {@link io.github.scoresde.nn.NetworkScoreFunction}, the adapter that makes a network
 * a {@link io.github.scoresde.core.DifferentiableScore}.
 */
package io.github.scoresde.nn;
