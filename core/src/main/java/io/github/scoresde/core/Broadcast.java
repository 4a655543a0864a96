package io.github.scoresde.core;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-example scalars against arrays of any rank: a vector {@code c} of shape {@code [batch]} is
 * viewed as {@code [batch, 1, ..., 1]} so that it broadcasts over {@code x} of shape
 * {@code [batch, d...]}. The one place in the library where this reshaping happens.
 */
public final class Broadcast {
    private Broadcast() {
    }

    /**
     * Views the per-example scalars {@code c} ({@code [batch]} or {@code [batch, 1]}) as an array of
     * the same rank as {@code x}, shape {@code [batch, 1, ..., 1]}.
     *
     * @throws IllegalArgumentException when {@code c} does not hold one value per example of {@code x}
     */
    public static INDArray perExample(INDArray c, INDArray x) {
        long batch = x.size(0);
        if (c.length() != batch || c.rank() > 2) {
            throw new IllegalArgumentException("per-example scalars must have shape [" + batch + "] to match x of shape "
                    + Arrays.toString(x.shape()) + "; got " + Arrays.toString(c.shape()));
        }
        long[] shape = new long[x.rank()];
        Arrays.fill(shape, 1);
        shape[0] = batch;
        INDArray col = c.rank() == shape.length ? c : c.reshape(shape);
        return col.dataType() == x.dataType() ? col : col.castTo(x.dataType());
    }

    /** Returns a new array {@code c_b * x_b} for every example b; {@code x} is not modified. */
    public static INDArray mul(INDArray x, INDArray c) {
        return x.mul(perExample(c, x));
    }

    /** Multiplies {@code x} in place by the per-example scalars {@code c}; returns {@code x}. */
    public static INDArray muli(INDArray x, INDArray c) {
        return x.muli(perExample(c, x));
    }

    /** Returns the per-example scalars {@code c} of {@code x}'s data type, shape {@code [batch]}. */
    public static INDArray vector(double[] c, INDArray like) {
        return NdArrays.of(c, like.dataType(), c.length);
    }

    /**
     * The per-example dot products sum_i x_b[i] y_b[i] over all values of each example, accumulated
     * in float64: {@code x} is {@code [batch, ...]}, and {@code y} holds as many values in the same
     * row-major order (its own shape may differ, a flattened copy for instance).
     *
     * @return one value per example of {@code x}
     * @throws IllegalArgumentException when {@code y} does not hold as many values as {@code x}
     */
    public static double[] dot(INDArray x, INDArray y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("y must hold the " + x.length() + " values of x; got " + y.length());
        }
        int batch = (int) x.size(0);
        double[] xv = NdArrays.toDoubles(x);
        double[] yv = NdArrays.toDoubles(y);
        int per = batch == 0 ? 0 : xv.length / batch;
        double[] out = new double[batch];
        for (int b = 0; b < batch; b++) {
            double acc = 0;
            for (int i = b * per; i < (b + 1) * per; i++) {
                acc += xv[i] * yv[i];
            }
            out[b] = acc;
        }
        return out;
    }
}
