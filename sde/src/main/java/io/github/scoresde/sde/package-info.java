/**
 * The forward SDEs of Song et al. (2021): {@link io.github.scoresde.sde.VeSde} (SMLD),
 * {@link io.github.scoresde.sde.VpSde} (DDPM) and {@link io.github.scoresde.sde.SubVpSde}, their
 * discretisations, the reverse-time SDE ({@link io.github.scoresde.sde.ReverseSde}) and the
 * probability-flow ODE ({@link io.github.scoresde.sde.ProbabilityFlowOde}) of a score model, and
 * the exact score of a Gaussian mixture under any of them
 * ({@link io.github.scoresde.oracle.ExactMixtureScore}), the oracle every test is checked against.
 *
 * <p>Units: time t in [0, T] with T = 1; all coefficients are computed in double precision and
 * applied to the arrays' own data type.
 */
package io.github.scoresde.sde;
