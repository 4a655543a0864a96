package io.github.scoresde.samplers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The outcome of one predictor or corrector step: the new state x and its noise-free mean (the
 * state before the step's noise was added). Returning both lets any sampler end on the mean
 * ("denoise the last step") whatever step produced it.
 *
 * <p>Ownership: both arrays are new (or the step's input state itself, for a step that leaves it
 * unchanged), never arrays the step keeps for later: the sampler frees a step's arrays once the
 * next step has replaced them.
 *
 * @param x the new state
 * @param mean the noise-free mean of the step
 */
public record StepResult(INDArray x, INDArray mean) {
}
