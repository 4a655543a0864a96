/**
 * Test instruments with closed forms: isotropic Gaussian mixtures
 * ({@link io.github.scoresde.oracle.GaussianMixture}) and, under any linear SDE, their exact score,
 * Hessian-vector products and divergence ({@link io.github.scoresde.oracle.ExactMixtureScore}) and
 * their exact noise-conditional classifier; the sample metrics that compare samples with exact
 * draws. Written to be checked (one plain evaluation path in double precision), not tuned.
 */
package io.github.scoresde.oracle;
