/**
 * Samplers written once against {@link io.github.scoresde.core.ScoreFunction} and
 * {@link io.github.scoresde.sde.Sde}: the {@link io.github.scoresde.samplers.PredictorCorrectorSampler}
 * loop (predictor-only and corrector-only sampling are configurations of it) and the
 * {@link io.github.scoresde.samplers.ProbabilityFlowSampler}, both behind
 * {@link io.github.scoresde.samplers.Sampler}. Predictors and correctors are small objects taking
 * one step each (docs/math.md sections 4 and 5); the time grid and the randomness are inputs.
 */
package io.github.scoresde.samplers;
