package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Capability of a score model conditioned on a class label, s(x, t, y), that also knows the
 * unconditional score s(x, t) = s(x, t, "no label") (label -1), as a network trained with label
 * dropout does. Classifier-free guidance combines the two.
 */
public interface ConditionalScoreFunction extends ScoreFunction {

    /** The number of classes K (0 when the model is not class-conditional). */
    int classes();

    /**
     * @param x points {@code [batch, sampleShape...]}
     * @param t times {@code [batch]}
     * @param labels one label per example in [0, K), or -1 for the unconditional score
     * @return s(x, t, y), shaped like x
     */
    INDArray score(INDArray x, INDArray t, int[] labels);
}
