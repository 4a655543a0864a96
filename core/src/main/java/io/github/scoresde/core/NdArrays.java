package io.github.scoresde.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J arrays from Java arrays in one bulk copy. ND4J M2.1's {@code Nd4j.createFromArray} copies
 * a Java array into native memory one element at a time (about 5 ns per value here, 0.3 ms for the
 * [512, 130] feature matrix of a training step); on the CPU backend these methods allocate the
 * array and copy through its native memory in one block. On other backends they use ND4J's own
 * constructors.
 */
public final class NdArrays {
    private static final boolean CPU = isCpu();

    private NdArrays() {
    }

    private static boolean isCpu() {
        try {
            return Nd4j.getEnvironment().isCPU();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * A float32 array in row-major order with the given shape.
     *
     * @throws IllegalArgumentException when the shape does not hold {@code values.length} values
     */
    public static INDArray floats(float[] values, long... shape) {
        checkLength(values.length, shape);
        if (!CPU || values.length == 0) {
            return Nd4j.createFromArray(values).reshape(shape);
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        bytes(out).asFloatBuffer().put(values);
        return out;
    }

    /**
     * An array of the given data type (float32 or float64) in row-major order with the given shape,
     * from double values.
     */
    public static INDArray of(double[] values, DataType type, long... shape) {
        checkLength(values.length, shape);
        if (type == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return floats(f, shape);
        }
        if (type != DataType.DOUBLE || !CPU || values.length == 0) {
            return Nd4j.createFromArray(values).reshape(shape).castTo(type);
        }
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, shape, 'c');
        bytes(out).asDoubleBuffer().put(values);
        return out;
    }

    private static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder());
    }

    private static void checkLength(int n, long[] shape) {
        long p = 1;
        for (long s : shape) {
            p *= s;
        }
        if (p != n) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + p
                    + " values; got " + n);
        }
    }
}
