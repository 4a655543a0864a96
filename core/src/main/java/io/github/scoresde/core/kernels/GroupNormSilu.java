package io.github.scoresde.core.kernels;

import io.github.scoresde.core.NdArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A per-channel shift, GroupNorm and SiLU in one pass, and its backward pass: the block that
 * follows every convolution of the image U-Net (docs/architecture.md, "Images").
 *
 * <p>For an input h {@code [B, C, ...]} (the trailing dimensions flattened to P positions), a shift
 * d {@code [B, C]}, G groups of C / G adjacent channels, scales gamma and offsets beta {@code [C]}:
 * u = h + d[b, c]; per example and group, mean m and variance v of its (C / G) P values of u
 * (biased, as PyTorch's GroupNorm); n = (u - m) / sqrt(v + eps); z = gamma_c n + beta_c; the
 * output is SiLU(z) = z sigmoid(z). A pass keeps sigmoid(z) and (m, 1 / sqrt(v + eps)) for the
 * backward pass, which gives dL/dh (equal to dL/du), dL/dd (its sums over the positions),
 * dL/dgamma and dL/dbeta from dL/dy (docs/math.md, section 11).
 *
 * <p>The fast path is the Java Vector API kernel of {@code scoresde-cpu} on float32 arrays whose
 * examples are each row-major and contiguous, possibly apart (a channel slice of a larger array
 * serves in place; {@link Kernels.VectorOps}); otherwise plain Java loops in float64 over copies, for any
 * data type (the float64 path of gradient checks). Not thread-safe: one pass per thread.
 */
public final class GroupNormSilu {
    private final INDArray input;
    private final INDArray shift;
    private final INDArray gamma;
    private final INDArray beta;
    private final int groups;
    private final double eps;
    private final INDArray output;
    private final INDArray sigmoid;
    /** per example the groups' means, then their 1 / sqrt(var + eps), from the last forward pass */
    private double[] stats;
    private final int batch;
    private final int channels;
    private final int positions;

    private GroupNormSilu(INDArray input, INDArray shift, INDArray gamma, INDArray beta, int groups, double eps,
            boolean keepForBackward) {
        if (input.rank() < 2 || input.size(0) < 1 || input.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("input must be [batch, channels, ...] with fewer than 2^31 values; got "
                    + Arrays.toString(input.shape()));
        }
        this.batch = (int) input.size(0);
        this.channels = (int) input.size(1);
        this.positions = (int) (input.length() / ((long) batch * channels));
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("groups must divide the " + channels + " channels; got " + groups);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be positive; got " + eps);
        }
        checkLength("gamma", gamma, channels);
        checkLength("beta", beta, channels);
        if (shift != null) {
            checkLength("shift", shift, (long) batch * channels);
        }
        this.input = input;
        this.shift = shift;
        this.gamma = gamma;
        this.beta = beta;
        this.groups = groups;
        this.eps = eps;
        DataType type = input.dataType();
        this.output = Nd4j.create(type, input.shape(), 'c');
        this.sigmoid = keepForBackward ? Nd4j.create(type, input.shape(), 'c') : null;
    }

    /**
     * A pass over {@code input}, its output and saved arrays allocated here (row-major, the
     * input's data type) and reused by every {@link #forward()}: the caller writes new values into
     * {@code input} and {@code shift} between calls.
     *
     * @param input h {@code [B, C, ...]}, read by both passes; float32 row-major for the fast path
     * @param shift d {@code [B, C]}, or null for none
     * @param gamma the per-channel scales {@code [C]} (read at each pass: may be live parameters)
     * @param beta the per-channel offsets {@code [C]}
     * @param groups G, dividing C
     * @param eps added to the variance (PyTorch's default is 1e-5)
     * @param keepForBackward whether {@link #backward} will be called (keeps sigmoid(z), {@code [B, C, ...]})
     */
    public static GroupNormSilu over(INDArray input, INDArray shift, INDArray gamma, INDArray beta, int groups,
            double eps, boolean keepForBackward) {
        return new GroupNormSilu(input, shift, gamma, beta, groups, eps, keepForBackward);
    }

    /** The output SiLU(z) {@code [B, C, ...]}, owned by this pass (overwritten by each {@link #forward()}). */
    public INDArray output() {
        return output;
    }

    /** Frees the native memory of the arrays this pass allocated (the output included); the pass is unusable after. */
    public void release() {
        NdArrays.release(output, sigmoid);
    }

    /** The input this pass reads. */
    public INDArray input() {
        return input;
    }

    /** Computes the output from the current input, shift, gamma and beta. */
    public void forward() {
        Kernels.VectorOps v = Kernels.vectorOps();
        if (v != null && fast(input) && fast(output) && (sigmoid == null || fast(sigmoid))) {
            float[] s = shift == null ? null : NdArrays.toFloats(shift);
            float[] st = v.groupNormSilu(input, s, NdArrays.toFloats(gamma), NdArrays.toFloats(beta), groups,
                    (float) eps, output, sigmoid, batch, channels, positions);
            stats = new double[st.length];
            for (int i = 0; i < st.length; i++) {
                stats[i] = st[i];
            }
            Kernels.keepAlive(input, output, sigmoid);
            return;
        }
        double[] h = NdArrays.toDoubles(input);
        double[] d = shift == null ? null : NdArrays.toDoubles(shift);
        double[] g = NdArrays.toDoubles(gamma);
        double[] bt = NdArrays.toDoubles(beta);
        double[] y = new double[h.length];
        double[] sg = new double[h.length];
        double[] st = new double[batch * 2 * groups];
        int per = channels / groups;
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < groups; q++) {
                double sum = 0;
                for (int c = q * per; c < (q + 1) * per; c++) {
                    for (int p = 0; p < positions; p++) {
                        sum += u(h, d, b, c, p);
                    }
                }
                double mean = sum / ((double) per * positions);
                double sq = 0;
                for (int c = q * per; c < (q + 1) * per; c++) {
                    for (int p = 0; p < positions; p++) {
                        double e = u(h, d, b, c, p) - mean;
                        sq += e * e;
                    }
                }
                double rstd = 1 / Math.sqrt(sq / ((double) per * positions) + eps);
                st[b * 2 * groups + q] = mean;
                st[b * 2 * groups + groups + q] = rstd;
                for (int c = q * per; c < (q + 1) * per; c++) {
                    for (int p = 0; p < positions; p++) {
                        int i = (b * channels + c) * positions + p;
                        double z = g[c] * (u(h, d, b, c, p) - mean) * rstd + bt[c];
                        double s = 1 / (1 + Math.exp(-z));
                        sg[i] = s;
                        y[i] = z * s;
                    }
                }
            }
        }
        output.assign(Nd4j.createFromArray(y).reshape(input.shape()).castTo(output.dataType()));
        if (sigmoid != null) {
            sigmoid.assign(Nd4j.createFromArray(sg).reshape(input.shape()).castTo(sigmoid.dataType()));
        }
        stats = st;
    }

    /**
     * The backward pass of the last {@link #forward()} (the input, shift, gamma and beta must be
     * unchanged since).
     *
     * @param gradOutput dL/dy {@code [B, C, ...]}
     * @param gradInput receives dL/dh {@code [B, C, ...]} (row-major); may be {@code gradOutput} itself
     * @param gradShift receives dL/dd {@code [B, C]}, or null
     * @param gradGamma receives dL/dgamma {@code [C]} (summed over the batch), or null
     * @param gradBeta receives dL/dbeta {@code [C]}, or null
     * @throws IllegalStateException when the pass was made without {@code keepForBackward}
     */
    public void backward(INDArray gradOutput, INDArray gradInput, INDArray gradShift, INDArray gradGamma,
            INDArray gradBeta) {
        if (sigmoid == null || stats == null) {
            throw new IllegalStateException(sigmoid == null ? "this pass was made without keepForBackward"
                    : "backward before any forward pass");
        }
        checkLength("gradOutput", gradOutput, input.length());
        checkLength("gradInput", gradInput, input.length());
        double[] gGamma = new double[channels];
        double[] gBeta = new double[channels];
        double[] gShift = gradShift == null ? null : new double[batch * channels];
        Kernels.VectorOps v = Kernels.vectorOps();
        if (v != null && fast(input) && fast(sigmoid) && fast(gradOutput) && fast(gradInput)) {
            float[] s = shift == null ? null : NdArrays.toFloats(shift);
            float[] st = new float[stats.length];
            for (int i = 0; i < st.length; i++) {
                st[i] = (float) stats[i];
            }
            v.groupNormSiluBackward(input, s, NdArrays.toFloats(gamma), NdArrays.toFloats(beta), groups, st, sigmoid,
                    gradOutput, gradInput, gShift, gGamma, gBeta, batch, channels, positions);
            Kernels.keepAlive(input, sigmoid, gradOutput, gradInput);
        } else {
            slowBackward(stats, gradOutput, gradInput, gShift, gGamma, gBeta);
        }
        if (gradShift != null) {
            gradShift.assign(Nd4j.createFromArray(gShift).reshape(gradShift.shape()).castTo(gradShift.dataType()));
        }
        if (gradGamma != null) {
            gradGamma.assign(Nd4j.createFromArray(gGamma).reshape(gradGamma.shape()).castTo(gradGamma.dataType()));
        }
        if (gradBeta != null) {
            gradBeta.assign(Nd4j.createFromArray(gBeta).reshape(gradBeta.shape()).castTo(gradBeta.dataType()));
        }
    }

    private void slowBackward(double[] st, INDArray gradOutput, INDArray gradInput, double[] gShift, double[] gGamma,
            double[] gBeta) {
        double[] h = NdArrays.toDoubles(input);
        double[] d = shift == null ? null : NdArrays.toDoubles(shift);
        double[] g = NdArrays.toDoubles(gamma);
        double[] bt = NdArrays.toDoubles(beta);
        double[] sg = NdArrays.toDoubles(sigmoid);
        double[] go = NdArrays.toDoubles(gradOutput);
        double[] gi = new double[go.length];
        int per = channels / groups;
        double m = (double) per * positions;
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < groups; q++) {
                double mean = st[b * 2 * groups + q];
                double rstd = st[b * 2 * groups + groups + q];
                double k1 = 0;
                double k2 = 0;
                for (int c = q * per; c < (q + 1) * per; c++) {
                    for (int p = 0; p < positions; p++) {
                        int i = (b * channels + c) * positions + p;
                        double n = (u(h, d, b, c, p) - mean) * rstd;
                        double z = g[c] * n + bt[c];
                        double gz = go[i] * sg[i] * (1 + z * (1 - sg[i]));
                        gi[i] = gz;
                        gBeta[c] += gz;
                        gGamma[c] += gz * n;
                        k1 += g[c] * gz;
                        k2 += g[c] * gz * n;
                    }
                }
                k1 /= m;
                k2 /= m;
                for (int c = q * per; c < (q + 1) * per; c++) {
                    double sum = 0;
                    for (int p = 0; p < positions; p++) {
                        int i = (b * channels + c) * positions + p;
                        double n = (u(h, d, b, c, p) - mean) * rstd;
                        gi[i] = rstd * (g[c] * gi[i] - k1 - n * k2);
                        sum += gi[i];
                    }
                    if (gShift != null) {
                        gShift[b * channels + c] = sum;
                    }
                }
            }
        }
        gradInput.assign(Nd4j.createFromArray(gi).reshape(gradInput.shape()).castTo(gradInput.dataType()));
    }

    private double u(double[] h, double[] d, int b, int c, int p) {
        double v = h[(b * channels + c) * positions + p];
        return d == null ? v : v + d[b * channels + c];
    }

    private static boolean fast(INDArray a) {
        return Kernels.examplesContiguous(a);
    }

    private static void checkLength(String name, INDArray a, long n) {
        if (a == null || a.length() != n) {
            throw new IllegalArgumentException(name + " must hold " + n + " values; got "
                    + (a == null ? "null" : Arrays.toString(a.shape())));
        }
    }
}
