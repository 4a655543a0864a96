package io.github.scoresde.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A time-dependent score model s(x, t), an estimate of grad_x log p_t(x) (docs/math.md sections 3 and 7).
 *
 * <p>The one interface that samplers, likelihood and guidance are written against: a trained
 * network (through an adapter) and the exact score of a Gaussian mixture both implement it. What
 * only some score models can do is a capability interface that extends this one:
 * {@link DifferentiableScore} (vector-Jacobian products with respect to x) and
 * {@link ScoreDivergence} (an exact divergence).
 *
 * <p>Contract: {@code x} has shape {@code [batch, sampleShape()...]}, {@code t} has shape
 * {@code [batch]} (one time per example, in the SDE's units, 0 &lt;= t &lt;= T); the result has
 * the shape and data type of {@code x} (float32 by default, float64 when x is float64).
 * Implementations never modify {@code x} or {@code t}, and do not keep them: both are lent for the
 * call, and callers reuse or release their memory afterwards (copy what must outlive the call).
 * The result is a new array that the caller owns; the library's samplers and likelihood release
 * such results as soon as they have read them ({@link NdArrays#release}).
 *
 * <p>x is not checked for finiteness (a scan per call on the samplers' hot path): a non-finite
 * value in example b gives a non-finite score in example b and leaves the other examples'
 * scores as they are. The samplers and ODE solvers check their states and stop with a
 * {@link ScoreSdeException} naming the step when one turns non-finite.
 */
public interface ScoreFunction {

    /** The shape of one example, without the batch dimension, e.g. {@code [2]} for 2-D points. */
    long[] sampleShape();

    /**
     * Evaluates the score for a batch.
     *
     * @param x points, shape {@code [batch, sampleShape()...]}, not modified
     * @param t times, shape {@code [batch]}, not modified
     * @return the score at each (x_b, t_b), same shape and data type as {@code x}, a new array
     */
    INDArray score(INDArray x, INDArray t);

    /**
     * Evaluates the score for a batch whose examples all share one time {@code t} (every step of
     * a sampler or an ODE solve). The same values as {@link #score(INDArray, INDArray)} with t
     * repeated for each example; this default builds that times array (float32, or float64 when x
     * is float64), calls it and frees it. Implementations that can use the scalar directly override
     * it (the exact mixture score computes its coefficients once and reads no times array).
     *
     * @param x points, shape {@code [batch, sampleShape()...]}, not modified
     * @param t the time of every example, in the SDE's units
     * @return the score at each (x_b, t), same shape and data type as {@code x}, a new array
     * @throws IllegalArgumentException when x is null or has no batch dimension, or as the array
     *     form does for a bad time
     */
    default INDArray score(INDArray x, double t) {
        return atSharedTime(x, t, times -> score(x, times));
    }

    /**
     * Calls {@code call} with t repeated for each example of x, as a times array {@code [batch]}
     * (float32, or float64 when x is float64) that is freed when the call returns: how the
     * shared-time defaults ({@link #score(INDArray, double)} and its siblings) reach the forms
     * that take one time per example. The call must not keep the array.
     *
     * @throws IllegalArgumentException when x is null or has no batch dimension
     */
    static <R> R atSharedTime(INDArray x, double t, java.util.function.Function<INDArray, R> call) {
        Checks.notNull("x", x);
        if (x.rank() < 1) {
            throw new IllegalArgumentException("x must have a batch dimension; got a scalar");
        }
        DataType type = x.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        INDArray times = Nd4j.valueArrayOf(new long[] {x.size(0)}, t, type);
        try {
            return call.apply(times);
        } finally {
            NdArrays.release(times);
        }
    }

    /** The number of values in one example (the product of {@link #sampleShape()}). */
    default long sampleSize() {
        long n = 1;
        for (long s : sampleShape()) {
            n *= s;
        }
        return n;
    }
}
