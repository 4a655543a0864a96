package io.github.scoresde.core;

import io.github.scoresde.core.kernels.Kernels;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeded, counter-based randomness: every value is a pure function of (seed, stream, index,
 * position), computed by hashing rather than by advancing a shared state.
 *
 * <p>Why counter-based: a sampler draws the noise of example number {@code i} from the index
 * {@code i}, not from the example's position in the current batch, so generating n samples in
 * chunks gives exactly the samples of one large batch, and two threads never contend for a
 * generator. Streams ({@link #stream(long)}) separate independent uses (the prior draw, the noise
 * of step k, a Hutchinson probe) without any bookkeeping of how many values each consumed.
 *
 * <p>The hash is the 64-bit finaliser of SplitMix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014); Gaussian values come in pairs from Marsaglia's
 * polar method on 53-bit uniforms. Instances are immutable and thread-safe.
 *
 * <p>Bulk fills take a Vector API kernel when it is on and the CPU has 8 long lanes (AVX-512,
 * {@link io.github.scoresde.core.kernels.Kernels#gaussianPairs}); its values agree with the scalar
 * accessors to within an ulp (a vector logarithm) and, like theirs, do not depend on the split
 * into chunks.
 */
public final class RandomSource implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long SALT_STREAM = 0xD1B54A32D192ED03L;
    private static final long SALT_GAUSS = 0x8CB92BA72F3D8DD7L;
    private static final long SALT_UNIFORM = 0xABC98388FB8FAC03L;
    private static final double INV_2_53 = 0x1.0p-53;

    private final long seed;
    private final long key;
    private final String path;

    private RandomSource(long seed, long key, String path) {
        this.seed = seed;
        this.key = key;
        this.path = path;
    }

    /** The root source of a seed. */
    public static RandomSource of(long seed) {
        return new RandomSource(seed, mix(seed ^ GOLDEN), "");
    }

    /** The seed this source (or its ancestor) was created from. */
    public long seed() {
        return seed;
    }

    /**
     * An independent sub-stream, identified by {@code id}. The same id always gives the same
     * stream; different ids give statistically independent streams.
     */
    public RandomSource stream(long id) {
        return new RandomSource(seed, mix(key + mix(id * GOLDEN + SALT_STREAM)), path + "/" + id);
    }

    /** A uniform value in the open interval (0, 1) at (index, position). */
    public double uniform(long index, long position) {
        long h = mix(rowKey(index, SALT_UNIFORM) + (position + 1) * GOLDEN);
        return ((h >>> 11) + 0.5) * INV_2_53;
    }

    /** A standard normal value at (index, position). */
    public double gaussian(long index, long position) {
        long rk = rowKey(index, SALT_GAUSS);
        return gaussianAt(rk, position);
    }

    /**
     * Fills {@code out[r * perRow + j]} with the standard normal value at
     * (index {@code firstIndex + r}, position {@code j}), for {@code r < rows}. Large fills are
     * split over the common fork-join pool; the values do not depend on the split.
     */
    public void fillGaussian(float[] out, long firstIndex, int rows, int perRow) {
        checkCapacity(out.length, rows, perRow);
        fill(firstIndex, rows, perRow, null, out, (i, v) -> out[i] = (float) v);
    }

    /** Double-precision variant of {@link #fillGaussian(float[], long, int, int)}; the same values. */
    public void fillGaussian(double[] out, long firstIndex, int rows, int perRow) {
        checkCapacity(out.length, rows, perRow);
        fill(firstIndex, rows, perRow, out, null, (i, v) -> out[i] = v);
    }

    private interface Sink {
        void put(int index, double value);
    }

    private static void checkCapacity(int length, int rows, int perRow) {
        if ((long) rows * perRow > length) {
            throw new IllegalArgumentException("out holds " + length + " values; need " + (long) rows * perRow);
        }
    }

    private void fill(long firstIndex, int rows, int perRow, double[] outD, float[] outF, Sink sink) {
        forRows(rows, perRow, (from, to) -> {
            double[] pair = new double[2];
            if (Kernels.gaussianPairs(key, GOLDEN, SALT_GAUSS, SALT_UNIFORM, SALT_STREAM, firstIndex, perRow, from, to,
                    outD, outF)) {
                return;
            }
            for (int r = from; r < to; r++) {
                long rk = rowKey(firstIndex + r, SALT_GAUSS);
                int base = r * perRow;
                for (int j = 0; j < perRow; j += 2) {
                    gaussianPair(rk, j >>> 1, pair);
                    sink.put(base + j, pair[0]);
                    if (j + 1 < perRow) {
                        sink.put(base + j + 1, pair[1]);
                    }
                }
            }
        });
    }

    /** Values per task above which a fill is split over threads. */
    private static final int PARALLEL_THRESHOLD = 1 << 15;

    private static void forRows(int rows, int perRow, RowParallel.RowRange body) {
        RowParallel.forRows(rows, perRow, PARALLEL_THRESHOLD, body);
    }

    /**
     * Standard normal array of shape {@code [rows, rowShape...]}; row r holds the values of index
     * {@code firstIndex + r}.
     */
    public INDArray gaussian(DataType type, long firstIndex, int rows, long... rowShape) {
        int perRow = (int) product(rowShape);
        long[] shape = withBatch(rows, rowShape);
        if (type == DataType.DOUBLE) {
            double[] v = new double[rows * perRow];
            fillGaussian(v, firstIndex, rows, perRow);
            return NdArrays.of(v, DataType.DOUBLE, shape);
        }
        float[] v = new float[rows * perRow];
        fillGaussian(v, firstIndex, rows, perRow);
        INDArray out = NdArrays.floats(v, shape);
        return type == DataType.FLOAT ? out : out.castTo(type);
    }

    /** Rademacher (+1 / -1 with equal probability) array, laid out as {@link #gaussian}. */
    public INDArray rademacher(DataType type, long firstIndex, int rows, long... rowShape) {
        int perRow = (int) product(rowShape);
        double[] v = new double[rows * perRow];
        for (int r = 0; r < rows; r++) {
            long rk = rowKey(firstIndex + r, SALT_UNIFORM);
            for (int j = 0; j < perRow; j++) {
                v[r * perRow + j] = (mix(rk + (j + 1) * GOLDEN) & 1L) == 0 ? 1.0 : -1.0;
            }
        }
        return NdArrays.of(v, type, withBatch(rows, rowShape));
    }

    /** Uniform (0, 1) array, laid out as {@link #gaussian}. */
    public INDArray uniform(DataType type, long firstIndex, int rows, long... rowShape) {
        int perRow = (int) product(rowShape);
        double[] v = new double[rows * perRow];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < perRow; j++) {
                v[r * perRow + j] = uniform(firstIndex + r, j);
            }
        }
        return NdArrays.of(v, type, withBatch(rows, rowShape));
    }

    private long rowKey(long index, long salt) {
        return mix(key ^ salt ^ mix(index * GOLDEN + salt));
    }

    private static double gaussianAt(long rowKey, long position) {
        double[] pair = new double[2];
        gaussianPair(rowKey, position >>> 1, pair);
        return pair[(int) (position & 1)];
    }

    /**
     * The two standard normal values of pair p of a row, by Marsaglia's polar method: attempt a
     * = 0, 1, ... draws (u, v) uniform on the square from the hash of (row, p, a) until
     * 0 &lt; u^2 + v^2 &lt; 1. Each value is a pure function of (row, p).
     */
    private static void gaussianPair(long rowKey, long p, double[] out) {
        long base = mix(rowKey + (p + 1) * GOLDEN);
        for (long a = 0;; a++) {
            long h1 = mix(base + a * SALT_UNIFORM);
            long h2 = mix(h1 ^ SALT_STREAM);
            double u = (h1 >>> 11) * INV_2_53 * 2 - 1;
            double v = (h2 >>> 11) * INV_2_53 * 2 - 1;
            double s = u * u + v * v;
            if (s < 1 && s > 0) {
                double f = Math.sqrt(-2 * Math.log(s) / s);
                out[0] = u * f;
                out[1] = v * f;
                return;
            }
        }
    }

    /**
     * A seed for a library that treats 0 as "unseeded" (DL4J's configuration seed): a fixed
     * scramble of {@code seed} (the SplitMix64 finaliser of seed + the golden gamma, a bijection)
     * that is never 0, so that every seed, 0 included, gives the same network every time. Distinct
     * seeds give distinct values except the single seed whose scramble would be 0.
     */
    public static long nonZeroSeed(long seed) {
        long s = mix(seed + GOLDEN);
        return s != 0 ? s : 1;
    }

    /** SplitMix64's output function: a bijective 64-bit mixer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long product(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("shape must be non-negative; got " + Arrays.toString(shape));
            }
            n *= s;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape too large: " + Arrays.toString(shape));
        }
        return n;
    }

    private static long[] withBatch(int rows, long[] rowShape) {
        return NdArrays.batchShape(rows, rowShape);
    }

    @Override
    public String toString() {
        return "RandomSource[seed=" + seed + (path.isEmpty() ? "" : ", stream=" + path) + "]";
    }
}
