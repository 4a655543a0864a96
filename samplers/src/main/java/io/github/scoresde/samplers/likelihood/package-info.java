/**
 * Exact likelihood through the probability-flow ODE (docs/math.md section 8): the augmented ODE
 * [x, delta log p] solved with any {@link io.github.scoresde.samplers.ode.OdeSolver}, divergence
 * estimators (exact and Hutchinson-Skilling), bits per dimension with uniform dequantisation,
 * and spherical interpolation of latent codes.
 */
package io.github.scoresde.samplers.likelihood;
