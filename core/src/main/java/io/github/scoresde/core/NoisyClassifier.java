package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A time-dependent (noise-conditional) classifier p_t(y | x) of perturbed data, as used for
 * class-conditional sampling by guidance (docs/math.md section 9): what samplers need is the input
 * gradient grad_x log p_t(y | x) of the requested class.
 */
public interface NoisyClassifier {

    /** The number of classes. */
    int classes();

    /** The shape of one example. */
    long[] sampleShape();

    /**
     * @param x points {@code [batch, sampleShape...]}, not modified
     * @param t times {@code [batch]}
     * @param labels the class of each example, in [0, classes())
     * @return grad_x log p_t(labels_b | x_b), shaped like x
     */
    INDArray logProbabilityGradient(INDArray x, INDArray t, int[] labels);
}
