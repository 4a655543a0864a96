/**
 * Time-dependent score networks built with DeepLearning4J: {@link io.github.scoresde.nn.ScoreNetwork}
 * (Gaussian Fourier time features concatenated with x, a stack of dense layers), its loss
 * functions, and {@link io.github.scoresde.nn.NetworkScore}, the adapter that makes a network
 * a {@link io.github.scoresde.core.DifferentiableScore}.
 */
package io.github.scoresde.nn;
