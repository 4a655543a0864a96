package io.github.scoresde.samplers;

import java.time.Duration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Samples with what they cost.
 *
 * @param samples the samples, {@code [n, sampleShape...]}
 * @param scoreEvaluations the number of score evaluations made per sample (NFE): batched calls of
 *     the score along one sample's trajectory, including every corrector and solver stage
 * @param elapsed the wall time of the whole call
 */
public record SamplingResult(INDArray samples, int scoreEvaluations, Duration elapsed) {
}
