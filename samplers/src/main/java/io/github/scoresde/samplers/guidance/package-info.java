/**
 * Controllable generation through the {@link io.github.scoresde.samplers.Conditioning} hook of
 * the predictor-corrector loop (docs/math.md section 9): inpainting, colorization (inpainting in an
 * orthogonal per-pixel basis) and class-conditional sampling by classifier guidance.
 */
package io.github.scoresde.samplers.guidance;
