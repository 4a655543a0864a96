/**
 * The forward SDEs of Song et al. (2021): {@link io.github.scoresde.sde.VeSde} (SMLD),
 * {@link io.github.scoresde.sde.VpSde} (DDPM) and {@link io.github.scoresde.sde.SubVpSde}, their
 * discretisations, and the two equations of a score model under an SDE: the reverse-time SDE
 * ({@link io.github.scoresde.sde.ReverseSde}), what the predictors discretise, and the
 * probability-flow ODE ({@link io.github.scoresde.sde.ProbabilityFlowOde}), what the ODE sampler
 * and the likelihood integrate.
 *
 * <p>Units: time t in [0, T] with T = 1; all coefficients are computed in double precision and
 * applied to the arrays' own data type.
 */
package io.github.scoresde.sde;
