package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Capability of a score model that can differentiate itself with respect to its input: the
 * vector-Jacobian product v^T (d s / d x), per example. The Hutchinson-Skilling divergence
 * estimator (MATH.md section 8) and classifier guidance (section 9) need it; a DL4J network
 * provides it by back-propagation, the exact mixture score in closed form.
 */
public interface DifferentiableScore extends ScoreFunction {

    /**
     * Vector-Jacobian product for each example b: {@code (v_b^T J_b)} where
     * {@code J_b = d s(x_b, t_b) / d x_b}.
     *
     * @param x points, shape {@code [batch, sampleShape()...]}, not modified
     * @param t times, shape {@code [batch]}, not modified
     * @param v cotangent vectors, same shape as {@code x}, not modified
     * @return {@code v^T J}, same shape and data type as {@code x}
     */
    INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v);

    /**
     * The score and the vector-Jacobian product together, {@code {s(x, t), v^T J}} with the shapes
     * of {@link #score} and {@link #vectorJacobianProduct}. The default makes the two calls; a model
     * that shares work between them (the exact mixture score) overrides it.
     */
    default INDArray[] scoreAndVectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        return new INDArray[] {score(x, t), vectorJacobianProduct(x, t, v)};
    }
}
