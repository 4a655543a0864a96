package io.github.scoresde.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J arrays from Java arrays in one bulk copy. ND4J M2.1's {@code Nd4j.createFromArray} copies
 * a Java array into native memory one element at a time; on the CPU backend these methods allocate the
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
        return floatsPrefix(values, shape);
    }

    /**
     * As {@link #floats(float[], long...)} from the first values of a longer buffer (a reused
     * scratch array): the shape's size of them.
     *
     * @throws IllegalArgumentException when the buffer holds fewer values than the shape
     */
    public static INDArray floatsPrefix(float[] values, long... shape) {
        long n = size(shape);
        if (n > values.length) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + n
                    + " values; the buffer has " + values.length);
        }
        int len = (int) n;
        if (!CPU || len == 0) {
            float[] exact = len == values.length ? values : java.util.Arrays.copyOf(values, len);
            return Nd4j.createFromArray(exact).reshape(shape);
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        bytes(out).asFloatBuffer().put(values, 0, len);
        return out; // returned, so reachable throughout
    }

    /**
     * An array of the given data type (float32 or float64) in row-major order with the given shape,
     * from double values.
     */
    public static INDArray of(double[] values, DataType type, long... shape) {
        checkLength(values.length, shape);
        return ofPrefix(values, type, shape);
    }

    /**
     * As {@link #of(double[], DataType, long...)} from the first values of a longer buffer (a
     * reused scratch array): the shape's size of them.
     *
     * @throws IllegalArgumentException when the buffer holds fewer values than the shape
     */
    public static INDArray ofPrefix(double[] values, DataType type, long... shape) {
        long n = size(shape);
        if (n > values.length) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + n
                    + " values; the buffer has " + values.length);
        }
        int len = (int) n;
        if (type == DataType.FLOAT) {
            return floats(narrow(values, len), shape);
        }
        if (type != DataType.DOUBLE || !CPU || len == 0) {
            double[] exact = len == values.length ? values : java.util.Arrays.copyOf(values, len);
            return Nd4j.createFromArray(exact).reshape(shape).castTo(type);
        }
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, shape, 'c');
        bytes(out).asDoubleBuffer().put(values, 0, len);
        return out;
    }

    /**
     * The values of an array in row-major ('c') order as a new double array, whatever its order,
     * data type or view. Contiguous float32 and float64 arrays on the CPU are read in one bulk copy
     * from their native memory (ND4J's {@code toDoubleVector} casts through a new native array and
     * {@code asDouble} reads value by value).
     */
    public static double[] toDoubles(INDArray x) {
        return toDoubles(x, null);
    }

    /**
     * As {@link #toDoubles(INDArray)}, into {@code into} when it holds at least x's values (they
     * fill its first {@code x.length()} slots; a reused scratch buffer spares the allocation and
     * zeroing of a new array), else into a new array.
     *
     * @return the array holding the values: {@code into} or a new one
     */
    public static double[] toDoubles(INDArray x, double[] into) {
        if (bulkReadable(x)) {
            int len = (int) x.length();
            double[] out = into != null && into.length >= len ? into : new double[len];
            if (x.dataType() == DataType.FLOAT) {
                float[] f = new float[len];
                ByteBuffer b = bytes(x);
                b.position((int) x.offset() * 4);
                b.asFloatBuffer().get(f);
                // the buffer does not keep x's native memory alive: x must stay reachable until here
                java.lang.ref.Reference.reachabilityFence(x);
                for (int i = 0; i < len; i++) {
                    out[i] = f[i];
                }
                return out;
            }
            if (x.dataType() == DataType.DOUBLE) {
                ByteBuffer b = bytes(x);
                b.position((int) x.offset() * 8);
                b.asDoubleBuffer().get(out, 0, len);
                java.lang.ref.Reference.reachabilityFence(x);
                return out;
            }
        }
        double[] values = (x.ordering() == 'c' && !x.isView() ? x : x.dup('c')).data().asDouble();
        if (into != null && into.length >= values.length) {
            System.arraycopy(values, 0, into, 0, values.length);
            return into;
        }
        return values;
    }

    /**
     * The values of an array in row-major ('c') order as a new float array, whatever its order,
     * data type or view; a contiguous float32 array on the CPU is read in one bulk copy.
     */
    public static float[] toFloats(INDArray x) {
        return toFloats(x, null);
    }

    /**
     * As {@link #toFloats(INDArray)}, into {@code into} when it holds at least x's values (they
     * fill its first {@code x.length()} slots), else into a new array.
     *
     * @return the array holding the values: {@code into} or a new one
     */
    public static float[] toFloats(INDArray x, float[] into) {
        if (bulkReadable(x) && x.dataType() == DataType.FLOAT) {
            int len = (int) x.length();
            float[] out = into != null && into.length >= len ? into : new float[len];
            ByteBuffer b = bytes(x);
            b.position((int) x.offset() * 4);
            b.asFloatBuffer().get(out, 0, len);
            java.lang.ref.Reference.reachabilityFence(x);
            return out;
        }
        float[] values = narrow(toDoubles(x));
        if (into != null && into.length >= values.length) {
            System.arraycopy(values, 0, into, 0, values.length);
            return into;
        }
        return values;
    }

    /**
     * As {@link #write(INDArray, double[])} from float values.
     *
     * @return target
     * @throws IllegalArgumentException when target does not hold {@code values.length} values
     */
    public static INDArray write(INDArray target, float[] values) {
        checkLength(values.length, target.shape());
        if (bulkReadable(target) && target.dataType() == DataType.FLOAT) {
            ByteBuffer b = bytes(target);
            b.position((int) target.offset() * 4);
            b.asFloatBuffer().put(values);
            java.lang.ref.Reference.reachabilityFence(target);
            return target;
        }
        return target.assign(floats(values, target.shape()));
    }

    /**
     * Writes values into an array in row-major order: one bulk copy into its native memory when its
     * values lie adjacent (a contiguous view included) and it is float32 or float64, else through
     * ND4J's assign.
     *
     * @return target
     * @throws IllegalArgumentException when target does not hold {@code values.length} values
     */
    public static INDArray write(INDArray target, double[] values) {
        checkLength(values.length, target.shape());
        if (bulkReadable(target) && (target.dataType() == DataType.DOUBLE || target.dataType() == DataType.FLOAT)) {
            ByteBuffer b = bytes(target);
            if (target.dataType() == DataType.DOUBLE) {
                b.position((int) target.offset() * 8);
                b.asDoubleBuffer().put(values);
            } else {
                b.position((int) target.offset() * 4);
                b.asFloatBuffer().put(narrow(values));
            }
            java.lang.ref.Reference.reachabilityFence(target);
            return target;
        }
        return target.assign(of(values, target.dataType(), target.shape()));
    }

    /**
     * The shape of a batch of n examples of the given shape: {@code [n, sampleShape...]}, a new array.
     */
    public static long[] batchShape(long n, long[] sampleShape) {
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }

    /**
     * One-hot rows {@code [n, classes]}, float32, of labels in [0, classes).
     *
     * @throws IllegalArgumentException for a label outside the range, naming it and its index
     */
    public static INDArray oneHot(int[] labels, int classes) {
        INDArray onehot = Nd4j.zeros(DataType.FLOAT, labels.length, classes);
        for (int b = 0; b < labels.length; b++) {
            if (labels[b] < 0 || labels[b] >= classes) {
                throw new IllegalArgumentException("labels must lie in [0, " + classes + "); got " + labels[b]
                        + " at index " + b);
            }
            onehot.putScalar(b, labels[b], 1);
        }
        return onehot;
    }

    /**
     * A new array with the values of {@code x} in data type {@code type}, in row-major order, owned
     * by the caller (never {@code x} itself or a view of it, unlike {@code castTo}).
     */
    public static INDArray copyOf(INDArray x, DataType type) {
        return x.dataType() == type ? x.dup('c') : x.castTo(type);
    }

    /**
     * Frees the native memory of arrays the caller owns and no longer uses, now instead of when the
     * garbage collector finds them. ND4J frees an array's memory only after the collector has seen
     * the array unreachable; until then every new array takes fresh pages from the operating
     * system, each page faulted in on first touch (milliseconds for a megabyte, against
     * microseconds for memory just released). Hot
     * loops therefore release their temporaries. Views, arrays in a workspace, arrays already
     * released and null entries are left alone; an array used after release throws ND4J's
     * {@code IllegalStateException}.
     *
     * @param arrays arrays that nothing will read again, the caller's own (never an argument it was
     *     lent)
     */
    public static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    /**
     * As {@link #release}, sparing every array identical to one of {@code keep} (the survivors of a
     * step, which its dead arrays may include when a step hands an input on unchanged). An array
     * listed twice is released once.
     */
    public static void releaseExcept(INDArray[] keep, INDArray... arrays) {
        for (INDArray a : arrays) {
            boolean kept = false;
            for (INDArray k : keep) {
                kept |= a == k;
            }
            if (!kept) {
                release(a);
            }
        }
    }

    /** Whether x's values lie row-major and adjacent in CPU memory, int-addressable: one bulk read. */
    private static boolean bulkReadable(INDArray x) {
        long n = x.length();
        boolean dense = x.ordering() == 'c' || x.rank() <= 1 || x.isVector();
        return CPU && n > 0 && n <= Integer.MAX_VALUE && dense && x.elementWiseStride() == 1;
    }

    /** The values rounded to float32. */
    static float[] narrow(double[] values) {
        return narrow(values, values.length);
    }

    /** The first {@code len} values rounded to float32. */
    private static float[] narrow(double[] values, int len) {
        float[] out = new float[len];
        for (int i = 0; i < len; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder());
    }

    private static long size(long[] shape) {
        long p = 1;
        for (long s : shape) {
            p *= s;
        }
        return p;
    }

    private static void checkLength(int n, long[] shape) {
        long p = size(shape);
        if (p != n) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + p
                    + " values; got " + n);
        }
    }
}
