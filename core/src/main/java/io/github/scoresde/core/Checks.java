package io.github.scoresde.core;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Argument checks for the public boundary. Every failure message names the argument and the
 * offending value, so that a user can tell at once what to fix.
 */
public final class Checks {
    private Checks() {
    }

    /** Requires {@code value} to be finite; returns it. */
    public static double finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite; got " + value);
        }
        return value;
    }

    /** Requires {@code value > 0} and finite; returns it. */
    public static double positive(String name, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be positive and finite; got " + value);
        }
        return value;
    }

    /** Requires {@code value >= 0} and finite; returns it. */
    public static double nonNegative(String name, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be non-negative and finite; got " + value);
        }
        return value;
    }

    /** Requires {@code value > 0}; returns it. */
    public static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive; got " + value);
        }
        return value;
    }

    /** Requires {@code value >= 0}; returns it. */
    public static int nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be non-negative; got " + value);
        }
        return value;
    }

    /** Requires {@code lo <= value <= hi} (and not NaN); returns it. */
    public static double inRange(String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(name + " must lie in [" + lo + ", " + hi + "]; got " + value);
        }
        return value;
    }

    /** Requires a non-null argument; returns it. */
    public static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /**
     * Requires {@code x} to be a floating-point array of shape {@code [batch, sampleShape...]}
     * with at least one example; returns the batch size.
     *
     * @throws IllegalArgumentException naming {@code name}, the expected and the actual shape
     */
    public static int batchOf(String name, INDArray x, long[] sampleShape) {
        notNull(name, x);
        long[] shape = x.shape();
        boolean ok = shape.length == sampleShape.length + 1;
        for (int i = 0; ok && i < sampleShape.length; i++) {
            ok = shape[i + 1] == sampleShape[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(name + " must have shape [batch, "
                    + Arrays.toString(sampleShape).replaceAll("[\\[\\]]", "") + "] to match the sample shape "
                    + Arrays.toString(sampleShape) + "; got " + Arrays.toString(shape));
        }
        if (shape[0] < 1) {
            throw new IllegalArgumentException(name + " must hold at least one example; got an empty batch "
                    + Arrays.toString(shape));
        }
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException(name + " must be a floating-point array; got " + x.dataType());
        }
        if (shape[0] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " has too many examples: " + shape[0]);
        }
        return (int) shape[0];
    }

    /**
     * Requires {@code t} to hold {@code batch} finite times in {@code [0, horizon]} (shape
     * {@code [batch]} or {@code [batch, 1]}); returns them as doubles.
     */
    public static double[] times(String name, INDArray t, int batch, double horizon) {
        notNull(name, t);
        if (t.length() != batch || t.rank() > 2 || (t.rank() == 2 && t.size(1) != 1)) {
            throw new IllegalArgumentException(name + " must have shape [" + batch + "] (one time per example); got "
                    + Arrays.toString(t.shape()));
        }
        double[] v;
        if (t.dataType() == DataType.FLOAT) {
            // the common case (a sampler's times): read, widen and check in one pass
            float[] f = NdArrays.toFloats(t);
            v = new double[f.length];
            boolean ok = true;
            for (int i = 0; i < f.length; i++) {
                double ti = f[i];
                v[i] = ti;
                ok &= ti >= 0 & ti <= horizon;
            }
            if (ok) {
                return v;
            }
        } else {
            v = NdArrays.toDoubles(t);
        }
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] <= horizon)) {
                throw new IllegalArgumentException(name + " must lie in [0, " + horizon + "]; got " + v[i]
                        + " at index " + i);
            }
        }
        return v;
    }

    /** The entries of {@code x} in row-major ('c') order as a new double array, whatever x's order. */
    public static double[] flat(INDArray x) {
        return NdArrays.toDoubles(x);
    }

    /**
     * A vector-Jacobian product's cotangent: not null and of the shape of x.
     *
     * @return v
     * @throws IllegalArgumentException naming both shapes
     */
    public static INDArray cotangent(INDArray v, INDArray x) {
        notNull("v", v);
        if (!java.util.Arrays.equals(v.shape(), x.shape())) {
            throw new IllegalArgumentException("v must have the shape of x " + java.util.Arrays.toString(x.shape())
                    + "; got " + java.util.Arrays.toString(v.shape()));
        }
        return v;
    }

    /** Requires every entry of {@code x} to be finite, naming the first bad index. */
    public static void allFinite(String name, INDArray x) {
        double[] v = flat(x);
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + " must be finite; got " + v[i] + " at flat index " + i
                        + " (example " + (x.rank() > 0 && x.size(0) > 0 ? i / (v.length / x.size(0)) : 0) + ")");
            }
        }
    }
}
