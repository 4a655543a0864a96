package io.github.scoresde.core.kernels;

import java.util.Arrays;
import io.github.scoresde.core.NdArrays;
import java.util.ServiceLoader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The array operations on the hot paths of training and sampling (bias + SiLU, Adam, linear
 * combinations of solver stages, the EMA, norms, sin/cos features, counter-based Gaussian pairs,
 * the U-Net's are in {@link ConvKernels} and {@link GroupNormSilu}), each in one place with a
 * plain ND4J implementation.
 *
 * <p>An optional module can supply faster implementations through {@link KernelProvider}
 * ({@link ServiceLoader}); {@code scoresde-cpu} does, with Java Vector API loops over the native
 * memory of float32 'f'-order arrays. Without a provider, or where a provider's layout conditions
 * do not hold, the same results, to float32 rounding (about 1e-6 relative), come from ND4J ops
 * (bias broadcast, {@code Swish}, {@code SwishDerivative}, products and sums), so every caller
 * works on every JVM and backend.
 * Nothing here is switched by a system property.
 *
 * <p>Numbers: SiLU(v) = v sigmoid(v) and SiLU'(v) = s (1 + v (1 - s)) with s = sigmoid(v); the
 * providers agree with ND4J to a few float32 ulps.
 */
public final class Kernels {
    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
    private static final VectorOps VECTOR = loadVectorOps();

    private Kernels() {
    }

    /** The provider's kernels, or null (for the kernels of this package in other classes). */
    static VectorOps vectorOps() {
        return VECTOR;
    }

    /** Whether a provider's kernels serve this JVM (see the class comment). */
    public static boolean vectorized() {
        return VECTOR != null;
    }

    /**
     * h = SiLU(z + b) per row, and optionally SiLU'(z + b), in one pass.
     *
     * @param z {@code [rows, cols]} pre-activation without bias (float32 or float64)
     * @param bias {@code [cols]} or {@code [1, cols]}
     * @param out {@code [rows, cols]} receives SiLU(z + b); may be {@code z} itself
     * @param derivative {@code [rows, cols]} receives SiLU'(z + b), or null
     * @throws IllegalArgumentException on mismatched shapes or data types
     */
    public static void biasSilu(INDArray z, INDArray bias, INDArray out, INDArray derivative) {
        long rows = z.rows();
        long cols = z.columns();
        checkMatrix("z", z, rows, cols);
        checkMatrix("out", out, rows, cols);
        if (derivative != null) {
            checkMatrix("derivative", derivative, rows, cols);
        }
        if (bias.length() != cols) {
            throw new IllegalArgumentException("bias must hold " + cols + " values; got shape "
                    + Arrays.toString(bias.shape()));
        }
        if (VECTOR != null && denseF(z) && denseF(out) && (derivative == null || denseF(derivative))) {
            VECTOR.biasSilu(z, NdArrays.toFloats(bias), out, derivative, (int) rows, (int) cols);
            keepAlive(z, out, derivative);
            return;
        }
        INDArray v = out == z ? z : out.assign(z);
        v.addiRowVector(bias.reshape(1, cols).castTo(v.dataType()));
        if (derivative != null) {
            Nd4j.exec(new SwishDerivative(v, derivative));
        }
        Nd4j.exec(new Swish(v, v));
    }

    /**
     * z += b per row, in place.
     *
     * @param z {@code [rows, cols]}
     * @param bias {@code [cols]} or {@code [1, cols]}
     */
    public static void addBias(INDArray z, INDArray bias) {
        long cols = z.columns();
        checkMatrix("z", z, z.rows(), cols);
        if (bias.length() != cols) {
            throw new IllegalArgumentException("bias must hold " + cols + " values; got shape "
                    + Arrays.toString(bias.shape()));
        }
        if (VECTOR != null && denseF(z)) {
            VECTOR.addBias(z, NdArrays.toFloats(bias), (int) z.rows(), (int) cols);
            keepAlive(z);
            return;
        }
        z.addiRowVector(bias.reshape(1, cols).castTo(z.dataType()));
    }

    /**
     * The backward pass of {@link #biasSilu}: delta = epsilon * derivative, written over
     * {@code derivative}, and the bias gradient sum_rows delta written into {@code biasGradient}.
     *
     * @param epsilon {@code [rows, cols]} dL/dh
     * @param derivative {@code [rows, cols]} SiLU'(z + b) from the forward pass; receives delta
     * @param biasGradient {@code [cols]} or {@code [1, cols]} receives the column sums of delta
     */
    public static void siluBackward(INDArray epsilon, INDArray derivative, INDArray biasGradient) {
        long rows = derivative.rows();
        long cols = derivative.columns();
        checkMatrix("epsilon", epsilon, rows, cols);
        checkMatrix("derivative", derivative, rows, cols);
        if (biasGradient.length() != cols) {
            throw new IllegalArgumentException("biasGradient must hold " + cols + " values; got shape "
                    + Arrays.toString(biasGradient.shape()));
        }
        if (VECTOR != null && denseF(epsilon) && denseF(derivative)) {
            float[] sums = VECTOR.multiplyColumnSums(epsilon, derivative, (int) rows, (int) cols);
            keepAlive(epsilon, derivative);
            NdArrays.write(biasGradient, sums);
            return;
        }
        derivative.muli(epsilon);
        biasGradient.assign(derivative.sum(0).reshape(biasGradient.shape()));
    }

    /**
     * One Adam step over flat arrays, as DL4J's Adam (libnd4j's {@code adam_updater}): m = b1 m +
     * (1 - b1) g, v = b2 v + (1 - b2) g^2, and g is replaced by the update alpha m / (sqrt(v) + eps)
     * with alpha = lr sqrt(1 - b2^(k+1)) / (1 - b1^(k+1)).
     *
     * @param gradient the gradient, overwritten with the update (to be subtracted from the parameters)
     * @param m the first-moment state (updated)
     * @param v the second-moment state (updated)
     * @param iteration k, from 0
     * @return false when the arrays are not dense float32 vectors on the vector path (nothing done)
     */
    public static boolean adam(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1,
            double beta2, double epsilon, int iteration) {
        return adam(gradient, m, v, learningRate, beta1, beta2, epsilon, iteration, 1.0);
    }

    /**
     * As {@link #adam(INDArray, INDArray, INDArray, double, double, double, double, int)} on the
     * gradient times {@code gradientScale} (gradient clipping), without writing the scaled gradient.
     */
    public static boolean adam(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1,
            double beta2, double epsilon, int iteration, double gradientScale) {
        return adam(gradient, m, v, learningRate, beta1, beta2, epsilon, iteration, gradientScale, null);
    }

    /**
     * As {@link #adam(INDArray, INDArray, INDArray, double, double, double, double, int, double)},
     * and where {@code params} is given the update is subtracted from it in the same pass (the
     * parameters of the step) instead of being written over the gradient, which stays as it was.
     *
     * @param params the parameters, a dense float32 vector of the gradient's length, or null
     */
    public static boolean adam(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1,
            double beta2, double epsilon, int iteration, double gradientScale, INDArray params) {
        long n = gradient.length();
        if (VECTOR == null || !denseVector(gradient, n) || !denseVector(m, n) || !denseVector(v, n)
                || params != null && !denseVector(params, n)) {
            return false;
        }
        double alpha = learningRate * Math.sqrt(1 - Math.pow(beta2, iteration + 1.0))
                / (1 - Math.pow(beta1, iteration + 1.0));
        if (!Double.isFinite(alpha) || alpha == 0) {
            alpha = epsilon;
        }
        VECTOR.adam(gradient, m, v, (float) alpha, (float) beta1, (float) beta2, (float) epsilon, (float) gradientScale,
                params, (int) n);
        keepAlive(gradient, m, v, params);
        return true;
    }

    /**
     * out = y + h sum_j a_j k_j, element-wise, in one pass (the stages of an explicit Runge-Kutta
     * method): one kernel call in place of 2 ND4J ops and an allocation per term.
     *
     * @param out receives the result, shape of y
     * @param y the base array (float32 or float64)
     * @param h the step, multiplying every coefficient
     * @param a one coefficient per term
     * @param k the terms, each of the shape of y (other data types are cast, on the slower path);
     *     any of y and the terms may be {@code out} itself: the pass is element by element
     * @return out
     * @throws IllegalArgumentException on mismatched shapes or counts
     */
    public static INDArray linearCombination(INDArray out, INDArray y, double h, double[] a, INDArray... k) {
        return scaledCombination(out, 1, y, h, a, k);
    }

    /**
     * out = c y + h sum_j a_j k_j, element-wise, in one pass; as
     * {@link #linearCombination(INDArray, INDArray, double, double[], INDArray...)} with a factor on y.
     *
     * @return out
     */
    public static INDArray scaledCombination(INDArray out, double c, INDArray y, double h, double[] a, INDArray... k) {
        checkTerms(y, a, k);
        checkSame("out", out, y);
        if (VECTOR != null && y.length() > 0 && (out.dataType() == DataType.FLOAT || out.dataType() == DataType.DOUBLE)
                && adjacent(out, out.ordering(), out.dataType())) {
            // inputs in another layout or data type (a network's column-major output beside a
            // row-major state) are copied into out's, one op each, then the one fused pass
            INDArray[] kk = new INDArray[k.length];
            for (int j = 0; j < k.length; j++) {
                kk[j] = like(k[j], out);
            }
            INDArray yy = like(y, out);
            VECTOR.linearCombination(out, c, yy, h, a, kk, (int) y.length());
            // the copies made here are referenced only by the kernel's byte buffers, which do not
            // keep their native memory alive: hold them until the pass is done
            keepAlive(out, yy);
            keepAlive(kk);
            return out;
        }
        INDArray sum = y.mul(c);
        for (int j = 0; j < k.length; j++) {
            sum.addi(k[j].castTo(y.dataType()).mul(h * a[j]));
        }
        return out.assign(sum);
    }

    /**
     * The root mean square of the embedded error estimate of a Runge-Kutta step, scaled per value:
     * sqrt(mean((h sum_j e_j k_j / (atol + rtol max(|y|, |yNew|)))^2)), accumulated in float64,
     * without forming the error array.
     *
     * @param y the state before the step
     * @param yNew the state after it, shape and data type of y
     * @param e the error weights, one per term
     * @param k the stage derivatives
     */
    public static double scaledErrorRms(INDArray y, INDArray yNew, double rtol, double atol, double h, double[] e,
            INDArray... k) {
        checkTerms(y, e, k);
        checkSame("yNew", yNew, y);
        if (VECTOR != null && combinable(y, yNew, k)) {
            double rms = VECTOR.scaledErrorRms(y, yNew, rtol, atol, h, e, k, (int) y.length());
            keepAlive(y, yNew);
            keepAlive(k);
            return rms;
        }
        INDArray err = k[0].castTo(y.dataType()).mul(h * e[0]);
        for (int j = 1; j < k.length; j++) {
            err.addi(k[j].castTo(y.dataType()).mul(h * e[j]));
        }
        INDArray scale = org.nd4j.linalg.ops.transforms.Transforms.max(
                org.nd4j.linalg.ops.transforms.Transforms.abs(y, true),
                org.nd4j.linalg.ops.transforms.Transforms.abs(yNew.castTo(y.dataType()), true), false).muli(rtol).addi(atol);
        double n2 = err.divi(scale).castTo(DataType.DOUBLE).norm2Number().doubleValue();
        return n2 / Math.sqrt(y.length());
    }

    private static void checkTerms(INDArray y, double[] a, INDArray[] k) {
        if (a.length != k.length || k.length == 0) {
            throw new IllegalArgumentException("need one coefficient per term and at least one term; got " + a.length
                    + " coefficients and " + k.length + " terms");
        }
        for (int j = 0; j < k.length; j++) {
            checkSame("k[" + j + "]", k[j], y);
        }
    }

    private static void checkSame(String name, INDArray a, INDArray y) {
        if (!Arrays.equals(a.shape(), y.shape())) {
            throw new IllegalArgumentException(name + " must have the shape " + Arrays.toString(y.shape())
                    + " of y; got " + Arrays.toString(a.shape()));
        }
    }

    /** float32 or float64, all of one data type and memory order, elements adjacent, int-addressable. */
    private static boolean combinable(INDArray y, INDArray other, INDArray[] k) {
        DataType type = y.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || y.length() == 0) {
            return false;
        }
        if (!adjacent(y, y.ordering(), type) || !adjacent(other, y.ordering(), type)) {
            return false;
        }
        for (INDArray a : k) {
            if (!adjacent(a, y.ordering(), type)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Keeps arrays reachable until this point: the kernels work on {@code ByteBuffer}s over the
     * arrays' native memory, which do not keep that memory alive, so an array referenced nowhere
     * else could otherwise be collected, and its memory freed, in the middle of a pass.
     */
    static void keepAlive(INDArray... arrays) {
        java.lang.ref.Reference.reachabilityFence(arrays);
        for (INDArray a : arrays) {
            java.lang.ref.Reference.reachabilityFence(a);
        }
    }

    /** a itself when it has out's data type and layout, else a copy that has them. */
    private static INDArray like(INDArray a, INDArray out) {
        if (adjacent(a, out.ordering(), out.dataType())) {
            return a;
        }
        INDArray b = a.dataType() == out.dataType() ? a : a.castTo(out.dataType());
        return adjacent(b, out.ordering(), out.dataType()) ? b : b.dup(out.ordering());
    }

    static boolean adjacent(INDArray a, char order, DataType type) {
        if (a.dataType() != type) {
            return false;
        }
        boolean sameLayout = a.rank() <= 1 || a.ordering() == order;
        long bytes = (a.offset() + a.length()) * a.dataType().width();
        return sameLayout && a.elementWiseStride() == 1 && bytes <= Integer.MAX_VALUE;
    }

    /**
     * The L2 norm of all values of an array, accumulated in float64.
     *
     * @param a any array
     */
    public static double norm2(INDArray a) {
        long n = a.length();
        if (VECTOR != null && n > 0 && adjacent(a, a.ordering(), DataType.FLOAT)) {
            // a norm does not depend on the order of the values: any contiguous layout will do
            double sum = VECTOR.sumOfSquares(a, (int) n);
            keepAlive(a);
            return Math.sqrt(sum);
        }
        return a.castTo(DataType.DOUBLE).norm2Number().doubleValue();
    }

    /**
     * The mean over the rows (first dimension) of each row's L2 norm, in double precision: the
     * Langevin corrector's step-size statistic, in one pass instead of ND4J's norm and mean
     * reductions and their arrays.
     *
     * @param a {@code [batch, ...]}, float32 or float64, any layout
     */
    public static double meanRowNorm(INDArray a) {
        if (a.rank() < 1 || a.size(0) < 1 || a.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a must be [batch, ...] with at least one row and fewer than 2^31 "
                    + "values; got shape " + Arrays.toString(a.shape()));
        }
        int batch = (int) a.size(0);
        int per = (int) (a.length() / batch);
        if (VECTOR != null && a.dataType() == DataType.FLOAT) {
            return VECTOR.meanRowNorm(io.github.scoresde.core.NdArrays.toFloats(a), batch, per);
        }
        double[] v = io.github.scoresde.core.NdArrays.toDoubles(a);
        double total = 0;
        for (int b = 0; b < batch; b++) {
            double sq = 0;
            for (int i = b * per; i < (b + 1) * per; i++) {
                sq += v[i] * v[i];
            }
            total += Math.sqrt(sq);
        }
        return total / batch;
    }

    /**
     * average = decay average + (1 - decay) params, in place, over flat arrays of the same length.
     *
     * @param average the running average (updated)
     * @param params the new values
     * @param decay the decay in [0, 1]
     */
    public static void movingAverage(INDArray average, INDArray params, double decay) {
        long n = average.length();
        if (params.length() != n) {
            throw new IllegalArgumentException("params must hold " + n + " values; got " + params.length());
        }
        if (VECTOR != null && denseVector(average, n) && denseVector(params, n)) {
            VECTOR.movingAverage(average, params, (float) decay, (int) n);
            keepAlive(average, params);
            return;
        }
        average.muli(decay).addi(params.reshape(average.shape()).mul(1 - decay));
    }

    /**
     * Sines and cosines of scaled frequencies into a float array: {@code out[sinAt + i] =
     * sin(scale f_i)} and {@code out[cosAt + i] = cos(scale f_i)} for every i (Gaussian Fourier
     * features: scale = 2 pi t). Computed in float64, stored as float32.
     */
    public static void sinCos(double scale, double[] frequencies, float[] out, int sinAt, int cosAt) {
        int m = frequencies.length;
        if (sinAt < 0 || cosAt < 0 || sinAt + m > out.length || cosAt + m > out.length) {
            throw new IllegalArgumentException("out holds " + out.length + " values; cannot write " + m
                    + " sines at " + sinAt + " and cosines at " + cosAt);
        }
        if (VECTOR != null) {
            VECTOR.sinCos(scale, frequencies, out, sinAt, cosAt);
            return;
        }
        for (int i = 0; i < m; i++) {
            double a = scale * frequencies[i];
            out[sinAt + i] = (float) Math.sin(a);
            out[cosAt + i] = (float) Math.cos(a);
        }
    }

    /**
     * Standard normal pairs of rows [from, to) of a counter-based fill, by Marsaglia's polar method
     * on the hash scheme of {@code RandomSource}: row key mix(key ^ saltGauss ^ mix(index golden +
     * saltGauss)), pair base mix(rowKey + (p + 1) golden), attempt a's uniforms from
     * h1 = mix(base + a saltUniform) and mix(h1 ^ saltStream), with mix the SplitMix64 finaliser.
     * Pair p of a row goes to {@code out[row perRow + 2p]} and the next position (if within the
     * row). Values agree with the scalar method to within an ulp (the vector logarithm) and do not
     * depend on the row range.
     *
     * @param outD float64 output {@code [rows, perRow]} (absolute row indices), or null
     * @param outF float32 output, used when {@code outD} is null
     * @return false (nothing done) when the vector path is not available or slower than scalar
     *     code on this CPU (64-bit lane multiplies need AVX-512)
     */
    public static boolean gaussianPairs(long key, long golden, long saltGauss, long saltUniform, long saltStream,
            long firstIndex, int perRow, int from, int to, double[] outD, float[] outF) {
        return VECTOR != null && VECTOR.gaussianPairs(key, golden, saltGauss, saltUniform, saltStream, firstIndex,
                perRow, from, to, outD, outF);
    }

    /** float32, one row or column, elements adjacent, int-addressable. */
    private static boolean denseVector(INDArray a, long n) {
        return a.dataType() == DataType.FLOAT && a.length() == n && n > 0 && (a.rank() == 1 || a.isVector())
                && a.elementWiseStride() == 1 && (a.offset() + n) * 4L <= Integer.MAX_VALUE;
    }

    private static void checkMatrix(String name, INDArray a, long rows, long cols) {
        if (a.rank() != 2 || a.rows() != rows || a.columns() != cols) {
            throw new IllegalArgumentException(name + " must have shape [" + rows + ", " + cols + "]; got "
                    + Arrays.toString(a.shape()));
        }
    }

    /** float32, 'f' order, elements adjacent, within an int-addressable buffer on the host. */
    private static boolean denseF(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'f' || a.length() == 0) {
            return false;
        }
        long[] stride = a.stride();
        if (stride[0] != 1 || stride[1] != a.rows()) {
            return false;
        }
        return (a.offset() + a.length()) * 4L <= Integer.MAX_VALUE;
    }

    private static VectorOps loadVectorOps() {
        for (KernelProvider provider : ServiceLoader.load(KernelProvider.class)) {
            try {
                VectorOps ops = provider.kernels();
                if (ops != null) {
                    return ops;
                }
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("kernel provider {} unavailable ({}); using ND4J ops", provider.getClass().getName(),
                        e.toString());
            }
        }
        return null;
    }

    /**
     * The service through which an optional module (scoresde-cpu) supplies faster implementations
     * of these kernels, found with {@link ServiceLoader}: without one on the class path every
     * kernel runs as ND4J ops, with the same results to float32 rounding.
     */
    public interface KernelProvider {
        /** The kernels, or null when they cannot run in this JVM (the provider says why in its log). */
        VectorOps kernels();
    }

    /**
     * Faster implementations of the kernels of this class, {@link ConvKernels} and
     * {@link GroupNormSilu}, on arrays whose layout the caller has checked (float32 or float64 as
     * each method states, dense, host memory); arguments are as in their public methods with the
     * sizes made explicit.
     */
    public interface VectorOps {
        /**
         * C = op(A) op(B) by the backend's BLAS (cblas_sgemm, column-major), float32 host arrays
         * read from their first element, op the transpose where asked.
         */
        void sgemm(boolean transA, boolean transB, int m, int n, int k, INDArray a, int lda, INDArray b, int ldb,
                INDArray c, int ldc);

        void biasSilu(INDArray z, float[] bias, INDArray out, INDArray derivative, int rows, int cols);

        void addBias(INDArray z, float[] bias, int rows, int cols);

        void adam(INDArray g, INDArray m, INDArray v, float alpha, float beta1, float beta2, float eps, float scale,
                INDArray params, int n);

        double sumOfSquares(INDArray a, int n);

        double meanRowNorm(float[] a, int rows, int per);

        void linearCombination(INDArray out, double c, INDArray y, double h, double[] a, INDArray[] k, int n);

        double scaledErrorRms(INDArray y, INDArray yNew, double rtol, double atol, double h, double[] e, INDArray[] k,
                int n);

        void movingAverage(INDArray average, INDArray params, float decay, int n);

        void sinCos(double scale, double[] frequencies, float[] out, int sinAt, int cosAt);

        boolean gaussianPairs(long key, long golden, long saltGauss, long saltUniform, long saltStream,
                long firstIndex, int perRow, int from, int to, double[] outD, float[] outF);

        float[] multiplyColumnSums(INDArray epsilon, INDArray derivative, int rows, int cols);

        /**
         * {@link GroupNormSilu#forward()} on float32 row-major arrays {@code [batch, channels,
         * positions]}; shift {@code [batch * channels]} or null; sigmoid null or the array that
         * receives sigmoid(z).
         *
         * @return per example the groups' means, then their 1 / sqrt(var + eps): {@code [batch, 2 groups]}
         */
        float[] groupNormSilu(INDArray input, float[] shift, float[] gamma, float[] beta, int groups, float eps,
                INDArray output, INDArray sigmoid, int batch, int channels, int positions);

        /**
         * {@link GroupNormSilu#backward} on float32 row-major arrays; stats as returned by the
         * forward pass; gradShift ({@code [batch * channels]}, or null) is written, gradGamma and
         * gradBeta ({@code [channels]}) are added to.
         */
        /** target += source over {@code batch} examples of {@code perExample} adjacent floats each (examples may lie apart). */
        void addInto(INDArray target, INDArray source, int batch, int perExample);

        void narrowConv(INDArray image, float[] weights, INDArray features);

        void narrowConvTranspose(INDArray features, float[] weights, float[] bias, INDArray image);

        double[] narrowConvWeightGradient(INDArray image, INDArray features);

        void groupNormSiluBackward(INDArray input, float[] shift, float[] gamma, float[] beta, int groups,
                float[] stats, INDArray sigmoid, INDArray gradOutput, INDArray gradInput, double[] gradShift,
                double[] gradGamma, double[] gradBeta, int batch, int channels, int positions);
    }
}
