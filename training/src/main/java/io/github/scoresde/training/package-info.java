/**
 * Training score networks by weighted denoising score matching (docs/math.md section 7) through
 * DL4J's own {@code fit}: the {@link io.github.scoresde.training.DenoisingScoreMatchingPreProcessor}
 * turns clean batches into perturbed ones, {@link io.github.scoresde.training.Trainer} runs the
 * steps with EMA, listeners, checkpoints and resume, and {@link io.github.scoresde.training.TrainedModel}
 * is what is saved and sampled from.
 */
package io.github.scoresde.training;
