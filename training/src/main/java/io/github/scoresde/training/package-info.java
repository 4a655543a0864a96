/**
 * Training score networks by weighted denoising score matching (docs/math.md section 7): the
 * {@link io.github.scoresde.training.DenoisingScoreMatchingPreProcessor} turns clean batches into
 * denoising batches keyed by the global batch index, {@link io.github.scoresde.training.Trainer}
 * runs the steps of any {@link io.github.scoresde.nn.ScoreNetwork} on a DL4J iterator with the EMA,
 * listeners, checkpoints and resume, and {@link io.github.scoresde.training.TrainedModel} is what is
 * saved and sampled from.
 */
package io.github.scoresde.training;
