package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Capability of a score model that can differentiate itself with respect to its input: the
 * vector-Jacobian product v^T (d s / d x), per example. The Hutchinson-Skilling divergence
 * estimator (docs/math.md section 8) and classifier guidance (section 9) need it; a DL4J network
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

    /**
     * The quadratic form {@code v_b^T J_b v_b} per example: the Hutchinson-Skilling estimate of the
     * divergence with probe v (docs/math.md section 8). The default takes the dot product of each
     * example's vector-Jacobian product with its v; a model that has the form more cheaply (the
     * exact mixture score, without forming v^T J) overrides it.
     *
     * @param x points, shape {@code [batch, sampleShape()...]}, not modified
     * @param t times, shape {@code [batch]}, not modified
     * @param v probe vectors, same shape as {@code x}, not modified
     * @return {@code [batch]}, data type of {@code x}
     */
    default INDArray jacobianQuadraticForm(INDArray x, INDArray t, INDArray v) {
        INDArray vjp = vectorJacobianProduct(x, t, v);
        INDArray q = rowDots(vjp, v, x);
        releaseUnlessArgument(vjp, x, v);
        return q;
    }

    /**
     * The score and the quadratic form together, {@code {s(x, t), v^T J v}} with the shapes of
     * {@link #score} and {@link #jacobianQuadraticForm}. The default builds on
     * {@link #scoreAndVectorJacobianProduct}.
     */
    default INDArray[] scoreAndJacobianQuadraticForm(INDArray x, INDArray t, INDArray v) {
        INDArray[] both = scoreAndVectorJacobianProduct(x, t, v);
        INDArray q = rowDots(both[1], v, x);
        releaseUnlessArgument(both[1], x, v);
        return new INDArray[] {both[0], q};
    }

    /** Per-example dot products of a and v (both shaped like x), in x's data type, accumulated in float64. */
    private static INDArray rowDots(INDArray a, INDArray v, INDArray x) {
        int batch = (int) x.size(0);
        if (a.length() != v.length() || a.length() % Math.max(batch, 1) != 0) {
            throw new IllegalStateException("the vector-Jacobian product must hold the " + v.length()
                    + " values of v; got " + a.length());
        }
        return Broadcast.vector(Broadcast.dot(v, a), x);
    }

    /** Frees a product this default made, unless a model handed back one of the caller's arguments. */
    private static void releaseUnlessArgument(INDArray product, INDArray x, INDArray v) {
        if (product != x && product != v) {
            NdArrays.release(product);
        }
    }
}
