package io.github.scoresde.core.kernels;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fused element-wise kernels on ND4J arrays.
 *
 * <p>libnd4j M2.1 evaluates sigmoid and SiLU one value at a time (about 7 ns per float32 value on
 * the project's machine, 0.9 ms for a [512, 256] activation, more than the matrix product that
 * produced it); the Java Vector API evaluates the same function in about 0.4 ns per value, directly
 * on the native memory of the array (no copy). The vectorised path is taken when all of these
 * hold: the JVM was started with {@code --add-modules jdk.incubator.vector}, the system property
 * {@code scoresde.vectorKernels} is not {@code false}, the backend is the CPU backend, and the
 * arrays are float32 in column-major ('f') order without gaps. Otherwise the same results come
 * from ND4J ops (bias broadcast, {@code Swish}, {@code SwishDerivative}, product and column sum),
 * so every caller works on every JVM and backend, only slower.
 *
 * <p>Numbers: SiLU(v) = v sigmoid(v) and SiLU'(v) = s (1 + v (1 - s)) with s = sigmoid(v); the
 * vector path agrees with ND4J's to a few float32 ulps.
 */
public final class Kernels {
    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
    private static final VectorOps VECTOR = loadVectorOps();

    private Kernels() {
    }

    /**
     * tanh(x) ~ x P(x^2) / Q(x^2) on |x| &lt;= TANH_CLAMP (beyond it tanh is +-1 in float32), the
     * rational approximation of Eigen's float tanh (odd numerator of degree 13, even denominator of
     * degree 6): absolute error below 4e-7 on the whole line (KernelsTest checks it); used by the
     * vector SiLU kernel.
     */
    static final float[] TANH_A = {4.89352455891786e-03f, 6.37261928875436e-04f, 1.48572235717979e-05f,
        5.12229709037114e-08f, -8.60467152213735e-11f, 2.00018790482477e-13f, -2.76076847742355e-16f};
    static final float[] TANH_B = {4.89352518554385e-03f, 2.26843463243900e-03f, 1.18534705686654e-04f,
        1.19825839466702e-06f};
    static final float TANH_CLAMP = 7.90531110763549805f;

    /** Whether the vectorised path is available in this JVM (see the class comment). */
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
            VECTOR.biasSilu(z, bias.toFloatVector(), out, derivative, (int) rows, (int) cols);
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
            VECTOR.addBias(z, bias.toFloatVector(), (int) z.rows(), (int) cols);
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
            biasGradient.assign(Nd4j.createFromArray(sums).reshape(biasGradient.shape()));
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
        long n = gradient.length();
        if (VECTOR == null || !denseVector(gradient, n) || !denseVector(m, n) || !denseVector(v, n)) {
            return false;
        }
        double alpha = learningRate * Math.sqrt(1 - Math.pow(beta2, iteration + 1.0))
                / (1 - Math.pow(beta1, iteration + 1.0));
        if (!Double.isFinite(alpha) || alpha == 0) {
            alpha = epsilon;
        }
        VECTOR.adam(gradient, m, v, (float) alpha, (float) beta1, (float) beta2, (float) epsilon, (float) gradientScale,
                (int) n);
        keepAlive(gradient, m, v);
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
     * out = a x + b s, element-wise, from values held in Java arrays into an ND4J array in one pass
     * (a score computed into scratch arrays, written out as the probability-flow drift's
     * a(t) x - g(t)^2 s / 2 without a separate score array).
     *
     * @param out receives the result, float32 or float64, in row-major order; its first
     *     {@code out.length()} values are written
     * @param x float64 values, at least {@code out.length()}
     * @param s float64 values, at least {@code out.length()}
     * @return out
     * @throws IllegalArgumentException when x or s hold fewer values than out
     */
    public static INDArray affine(INDArray out, double a, double[] x, double b, double[] s) {
        long n = out.length();
        if (x.length < n || s.length < n) {
            throw new IllegalArgumentException("x and s must hold the " + n + " values of out; got " + x.length
                    + " and " + s.length);
        }
        if (VECTOR != null && n > 0 && (out.dataType() == DataType.FLOAT || out.dataType() == DataType.DOUBLE)
                && (out.rank() <= 1 || out.ordering() == 'c') && adjacent(out, out.ordering(), out.dataType())) {
            VECTOR.affine(out, a, x, b, s, (int) n);
            keepAlive(out);
            return out;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = s[i] * b + x[i] * a;
        }
        INDArray values = io.github.scoresde.core.NdArrays.of(v, out.dataType(), out.shape());
        out.assign(values);
        io.github.scoresde.core.NdArrays.release(values);
        return out;
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
    private static void keepAlive(INDArray... arrays) {
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

    private static boolean adjacent(INDArray a, char order, DataType type) {
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
     * The derivatives of the log-density of a Gaussian mixture with perturbed components, for rows
     * [from, to) of x: component j is N(m_b mu_j, v_bj I) with v_bj = m_b^2 sigma_j^2 + s_b^2 and
     * weight w_j. With the responsibilities r_j (log-sum-exp in float64) and
     * u_j = (m_b mu_j - x) / v_bj:
     * <ul>
     *   <li>score S = sum_j r_j u_j</li>
     *   <li>Hessian-vector product H v = sum_j r_j (u_j . v) u_j - (sum_j r_j / v_bj) v - S (S . v)</li>
     *   <li>Laplacian sum_j r_j (|u_j|^2 - d / v_bj) - |S|^2</li>
     *   <li>quadratic form v . H v = sum_j r_j ((u_j . v)^2 - |v|^2 / v_bj) - (S . v)^2 (the
     *       Hutchinson probe's estimate; for d of at least a vector's lanes without forming H v)</li>
     * </ul>
     * Rows are processed a vector of rows at a time; float64 throughout; nothing is allocated per row.
     *
     * @param x {@code [rows, d]} row-major points
     * @param v {@code [rows, d]} row-major directions, or null when {@code hv} and {@code quadratic} are null
     * @param meansT {@code [d, k]} the component means, coordinate-major
     * @param stdSq {@code [k]} sigma_j^2
     * @param logWeights {@code [k]} log w_j (normalised weights)
     * @param m {@code [rows]} mean scale per row
     * @param s {@code [rows]} noise standard deviation per row
     * @param score receives S, {@code [rows, d]} row-major
     * @param hv receives H v, {@code [rows, d]}, or null to skip it
     * @param laplacian receives the Laplacian per row, or null to skip it
     * @param quadratic receives v . H v per row, or null to skip it
     * @return false (nothing done) when the vector path is not available
     */
    public static boolean mixtureDerivatives(double[] x, double[] v, int d, int k, double[] meansT, double[] stdSq,
            double[] logWeights, double[] m, double[] s, int from, int to, double[] score, double[] hv,
            double[] laplacian, double[] quadratic) {
        return mixtureDerivatives(x, v, null, d, k, meansT, stdSq, logWeights, m, s, from, to, score, hv, laplacian,
                quadratic);
    }

    /**
     * {@link #mixtureDerivatives(double[], double[], int, int, double[], double[], double[], double[], double[], int, int, double[], double[], double[], double[])}
     * with the products v . mu_j made beforehand by {@link #mixtureProbeProducts} for the same v
     * and means (a probe held fixed over many calls), or null to form them here.
     */
    public static boolean mixtureDerivatives(double[] x, double[] v, double[] probeProducts, int d, int k,
            double[] meansT, double[] stdSq, double[] logWeights, double[] m, double[] s, int from, int to,
            double[] score, double[] hv, double[] laplacian, double[] quadratic) {
        if (VECTOR == null) {
            return false;
        }
        if ((hv != null || quadratic != null) && v == null) {
            throw new IllegalArgumentException("v is required for the Hessian-vector product and its quadratic form");
        }
        VECTOR.mixtureDerivatives(x, v, probeProducts, d, k, meansT, stdSq, logWeights, m, s, from, to, score, hv,
                laplacian, quadratic);
        return true;
    }

    /**
     * The products v_b . mu_j of every row of a probe v {@code [rows, d]} with the component means,
     * in the layout the kernel reads them from, for a probe that many calls share; null where the
     * kernel forms them in passing anyway (d below a vector's lanes, or no vector path).
     */
    public static double[] mixtureProbeProducts(double[] v, int rows, int d, int k, double[] meansT) {
        return VECTOR == null ? null : VECTOR.mixtureProbeProducts(v, rows, d, k, meansT);
    }

    /**
     * The mixture score of rows [from, to) in float32 arithmetic (the arguments as in
     * {@link #mixtureDerivatives}, in float32): S = sum_j w_j (m mu_j - x) with
     * w_j = p(j | x) / v_j, summed without cancellation, so the relative error is a few float32
     * ulps of the largest term. For float32 inputs whose score is returned in float32. {@code m}
     * and {@code s} hold one value per row, or a single value that every row shares.
     *
     * @return false (nothing done) when the vector path is not available
     */
    public static boolean mixtureScoreFloat(float[] x, int d, int k, float[] meansT, float[] stdSq,
            float[] logWeights, double[] m, double[] s, int from, int to, float[] score) {
        if (VECTOR == null) {
            return false;
        }
        VECTOR.mixtureScoreFloat(x, d, k, meansT, stdSq, logWeights, m, s, from, to, score);
        return true;
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
        if (!Boolean.parseBoolean(System.getProperty("scoresde.vectorKernels", "true"))) {
            LOG.info("vector kernels disabled by -Dscoresde.vectorKernels=false; using ND4J ops");
            return null;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("jdk.incubator.vector not loaded (start the JVM with --add-modules jdk.incubator.vector "
                    + "for the fast SiLU kernels); using ND4J ops");
            return null;
        }
        try {
            if (!Nd4j.getEnvironment().isCPU()) {
                LOG.info("non-CPU ND4J backend: element-wise kernels stay on ND4J ops");
                return null;
            }
            return (VectorOps) Class.forName("io.github.scoresde.core.kernels.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("vector kernels unavailable ({}); using ND4J ops", e.toString());
            return null;
        }
    }

    /** The vectorised implementation, loaded only when its module is present. */
    interface VectorOps {
        void biasSilu(INDArray z, float[] bias, INDArray out, INDArray derivative, int rows, int cols);

        void addBias(INDArray z, float[] bias, int rows, int cols);

        void adam(INDArray g, INDArray m, INDArray v, float alpha, float beta1, float beta2, float eps, float scale,
                int n);

        double sumOfSquares(INDArray a, int n);

        double meanRowNorm(float[] a, int rows, int per);

        void linearCombination(INDArray out, double c, INDArray y, double h, double[] a, INDArray[] k, int n);

        void affine(INDArray out, double a, double[] x, double b, double[] s, int n);

        double scaledErrorRms(INDArray y, INDArray yNew, double rtol, double atol, double h, double[] e, INDArray[] k,
                int n);

        void movingAverage(INDArray average, INDArray params, float decay, int n);

        void sinCos(double scale, double[] frequencies, float[] out, int sinAt, int cosAt);

        void mixtureDerivatives(double[] x, double[] v, double[] probeProducts, int d, int k, double[] meansT,
                double[] stdSq, double[] logWeights, double[] m, double[] s, int from, int to, double[] score,
                double[] hv, double[] laplacian, double[] quadratic);

        double[] mixtureProbeProducts(double[] v, int rows, int d, int k, double[] meansT);

        void mixtureScoreFloat(float[] x, int d, int k, float[] meansT, float[] stdSq, float[] logWeights,
                double[] m, double[] s, int from, int to, float[] score);

        boolean gaussianPairs(long key, long golden, long saltGauss, long saltUniform, long saltStream,
                long firstIndex, int perRow, int from, int to, double[] outD, float[] outF);

        float[] multiplyColumnSums(INDArray epsilon, INDArray derivative, int rows, int cols);
    }
}
