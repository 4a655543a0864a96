package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Capability of a score model that knows its own exact divergence
 * {@code div_x s(x, t) = trace(d s / d x)} (for a true score, the Laplacian of log p_t) without
 * d separate vector-Jacobian products. The exact Gaussian-mixture score has it in closed form.
 */
public interface ScoreDivergence extends ScoreFunction {

    /**
     * @param x points, shape {@code [batch, sampleShape()...]}, not modified
     * @param t times, shape {@code [batch]}, not modified
     * @return the divergence per example, shape {@code [batch]}, data type of {@code x}
     */
    INDArray divergence(INDArray x, INDArray t);

    /**
     * The score and its divergence together; implementations that share work between the two
     * override this.
     *
     * @return {@code [score, divergence]}: the score shaped like x, the divergence {@code [batch]}
     */
    default INDArray[] scoreAndDivergence(INDArray x, INDArray t) {
        return new INDArray[] {score(x, t), divergence(x, t)};
    }
}
