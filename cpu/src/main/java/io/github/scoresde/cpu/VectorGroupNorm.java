package io.github.scoresde.cpu;

import static io.github.scoresde.cpu.VectorKernels.ORDER;
import static io.github.scoresde.cpu.VectorKernels.S;
import static io.github.scoresde.cpu.VectorKernels.TANH_A;
import static io.github.scoresde.cpu.VectorKernels.TANH_B;
import static io.github.scoresde.cpu.VectorKernels.TANH_CLAMP;
import static io.github.scoresde.cpu.VectorKernels.bytes;
import static io.github.scoresde.cpu.VectorKernels.exampleStart;

import java.nio.ByteBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Vector API kernels of {@code GroupNormSilu} (scoresde-core) over float32
 * {@code [batch, channels, positions]} arrays, each example row-major and contiguous (examples may
 * lie apart). A group's channels are adjacent in memory. The forward pass runs over each group as
 * one flat range, its per-channel coefficients spread over the range in scratch arrays, so that
 * the SiLU's loop runs in whole vectors even where a channel holds fewer values than a vector (the
 * U-Net's 5x5 and 2x2 levels; a scalar tail would need an exponential per value). The backward
 * pass needs none (sigmoid(z) is kept) and runs channel by channel, its sums in registers.
 */
final class VectorGroupNorm {
    private VectorGroupNorm() {
    }

    static float[] forward(INDArray input, float[] shift, float[] gamma, float[] beta, int groups, float eps,
            INDArray output, INDArray sigmoid, int batch, int channels, int positions) {
        ByteBuffer hb = bytes(input);
        ByteBuffer ob = bytes(output);
        ByteBuffer sb = sigmoid == null ? null : bytes(sigmoid);
        int per = channels / groups;
        int m = per * positions;
        float[] scale = new float[m];
        float[] offset = new float[m];
        float[] stats = new float[batch * 2 * groups];
        int step = S.length();
        int bound = S.loopBound(m);
        FloatVector a1 = FloatVector.broadcast(S, TANH_A[0]);
        FloatVector a3 = FloatVector.broadcast(S, TANH_A[1]);
        FloatVector a5 = FloatVector.broadcast(S, TANH_A[2]);
        FloatVector a7 = FloatVector.broadcast(S, TANH_A[3]);
        FloatVector a9 = FloatVector.broadcast(S, TANH_A[4]);
        FloatVector a11 = FloatVector.broadcast(S, TANH_A[5]);
        FloatVector a13 = FloatVector.broadcast(S, TANH_A[6]);
        FloatVector b0 = FloatVector.broadcast(S, TANH_B[0]);
        FloatVector b2 = FloatVector.broadcast(S, TANH_B[1]);
        FloatVector b4 = FloatVector.broadcast(S, TANH_B[2]);
        FloatVector b6 = FloatVector.broadcast(S, TANH_B[3]);
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < groups; q++) {
                int c0 = q * per;
                int base = (int) ((exampleStart(input, b, channels * positions) + (long) c0 * positions) * 4);
                // the mean: the inputs' sum plus the shifts' (each counted over its channel's positions)
                double sum = sum(hb, base, m);
                for (int c = 0; c < per; c++) {
                    sum += shift == null ? 0 : (double) shift[b * channels + c0 + c] * positions;
                }
                float mean = (float) (sum / m);
                // the variance about it, two-pass
                for (int c = 0; c < per; c++) {
                    float e = (shift == null ? 0 : shift[b * channels + c0 + c]) - mean;
                    java.util.Arrays.fill(offset, c * positions, (c + 1) * positions, e);
                }
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += step) {
                    FloatVector e = FloatVector.fromByteBuffer(S, hb, base + i * 4, ORDER)
                            .add(FloatVector.fromArray(S, offset, i));
                    acc = e.fma(e, acc);
                }
                double sq = acc.reduceLanes(VectorOperators.ADD);
                for (; i < m; i++) {
                    float e = hb.getFloat(base + i * 4) + offset[i];
                    sq += e * e;
                }
                float rstd = (float) (1 / Math.sqrt(sq / m + eps));
                stats[b * 2 * groups + q] = mean;
                stats[b * 2 * groups + groups + q] = rstd;
                // z = h scale + offset with scale = gamma rstd, offset = beta + (shift - mean) scale
                for (int c = 0; c < per; c++) {
                    float a = gamma[c0 + c] * rstd;
                    float o = beta[c0 + c] + offset[c * positions] * a;
                    java.util.Arrays.fill(scale, c * positions, (c + 1) * positions, a);
                    java.util.Arrays.fill(offset, c * positions, (c + 1) * positions, o);
                }
                int out = (int) ((exampleStart(output, b, channels * positions) + (long) c0 * positions) * 4);
                int sig = sigmoid == null ? 0
                        : (int) ((exampleStart(sigmoid, b, channels * positions) + (long) c0 * positions) * 4);
                i = 0;
                for (; i < bound; i += step) {
                    FloatVector z = FloatVector.fromByteBuffer(S, hb, base + i * 4, ORDER)
                            .fma(FloatVector.fromArray(S, scale, i), FloatVector.fromArray(S, offset, i));
                    // sigmoid(z) = (1 + tanh(z / 2)) / 2 with VectorKernels' rational tanh, written
                    // out here for the reason given in VectorKernels.biasSilu
                    FloatVector h = z.mul(0.5f).max(-TANH_CLAMP).min(TANH_CLAMP);
                    FloatVector h2 = h.mul(h);
                    FloatVector num = h2.fma(a13, a11).fma(h2, a9).fma(h2, a7).fma(h2, a5).fma(h2, a3).fma(h2, a1)
                            .mul(h);
                    FloatVector den = h2.fma(b6, b4).fma(h2, b2).fma(h2, b0);
                    FloatVector s = num.div(den).add(1f).mul(0.5f);
                    z.mul(s).intoByteBuffer(ob, out + i * 4, ORDER);
                    if (sb != null) {
                        s.intoByteBuffer(sb, sig + i * 4, ORDER);
                    }
                }
                for (; i < m; i++) {
                    float z = hb.getFloat(base + i * 4) * scale[i] + offset[i];
                    float s = (float) (1 / (1 + Math.exp(-z)));
                    ob.putFloat(out + i * 4, z * s);
                    if (sb != null) {
                        sb.putFloat(sig + i * 4, s);
                    }
                }
            }
        }
        return stats;
    }

    static void backward(INDArray input, float[] shift, float[] gamma, float[] beta, int groups, float[] stats,
            INDArray sigmoid, INDArray gradOutput, INDArray gradInput, double[] gradShift, double[] gradGamma,
            double[] gradBeta, int batch, int channels, int positions) {
        ByteBuffer hb = bytes(input);
        ByteBuffer sb = bytes(sigmoid);
        ByteBuffer gob = bytes(gradOutput);
        ByteBuffer gib = gradInput == gradOutput ? gob : bytes(gradInput);
        int per = channels / groups;
        int m = per * positions;
        int step = S.length();
        int bound = S.loopBound(positions);
        double[] s1 = new double[per];
        double[] s2 = new double[per];
        int all = channels * positions;
        // per channel, whose positions are adjacent: the coefficients are scalars and the sums
        // accumulate in registers; two passes over the group
        for (int b = 0; b < batch; b++) {
            long h0 = exampleStart(input, b, all);
            long s0 = exampleStart(sigmoid, b, all);
            long go0 = exampleStart(gradOutput, b, all);
            long gi0 = exampleStart(gradInput, b, all);
            for (int q = 0; q < groups; q++) {
                float mean = stats[b * 2 * groups + q];
                float rstd = stats[b * 2 * groups + groups + q];
                double k1 = 0;
                double k2 = 0;
                // dL/dz = dL/dy SiLU'(z), SiLU'(z) = s (1 + z (1 - s)), written over the output
                // gradient's place in dL/du; its sums, plain and times n, per channel
                for (int j = 0; j < per; j++) {
                    int c = q * per + j;
                    float e = (shift == null ? 0 : shift[b * channels + c]) - mean;
                    float a = gamma[c] * rstd;
                    float o = beta[c] + e * a;
                    long at = (long) c * positions;
                    int h = (int) ((h0 + at) * 4);
                    int s = (int) ((s0 + at) * 4);
                    int go = (int) ((go0 + at) * 4);
                    int gi = (int) ((gi0 + at) * 4);
                    FloatVector sum = FloatVector.zero(S);
                    FloatVector sumN = FloatVector.zero(S);
                    int i = 0;
                    for (; i < bound; i += step) {
                        FloatVector hv = FloatVector.fromByteBuffer(S, hb, h + i * 4, ORDER);
                        FloatVector z = hv.mul(a).add(o);
                        FloatVector sv = FloatVector.fromByteBuffer(S, sb, s + i * 4, ORDER);
                        FloatVector gz = FloatVector.fromByteBuffer(S, gob, go + i * 4, ORDER)
                                .mul(sv.mul(z.mul(sv.neg().add(1f)).add(1f)));
                        gz.intoByteBuffer(gib, gi + i * 4, ORDER);
                        sum = sum.add(gz);
                        sumN = hv.add(e).mul(rstd).fma(gz, sumN);
                    }
                    double t1 = sum.reduceLanes(VectorOperators.ADD);
                    double t2 = sumN.reduceLanes(VectorOperators.ADD);
                    for (; i < positions; i++) {
                        float hv = hb.getFloat(h + i * 4);
                        float z = hv * a + o;
                        float sv = sb.getFloat(s + i * 4);
                        float gz = gob.getFloat(go + i * 4) * (sv * (1 + z * (1 - sv)));
                        gib.putFloat(gi + i * 4, gz);
                        t1 += gz;
                        t2 += gz * (hv + e) * rstd;
                    }
                    s1[j] = t1;
                    s2[j] = t2;
                    gradBeta[c] += t1;
                    gradGamma[c] += t2;
                    k1 += gamma[c] * t1;
                    k2 += gamma[c] * t2;
                }
                float f1 = (float) (k1 / m);
                float f2 = (float) (k2 / m);
                // dL/du = rstd (gamma dL/dz - mean(gamma dL/dz) - n mean(gamma dL/dz n))
                for (int j = 0; j < per; j++) {
                    int c = q * per + j;
                    float e = (shift == null ? 0 : shift[b * channels + c]) - mean;
                    float g = gamma[c];
                    long at = (long) c * positions;
                    int h = (int) ((h0 + at) * 4);
                    int gi = (int) ((gi0 + at) * 4);
                    FloatVector sum = FloatVector.zero(S);
                    int i = 0;
                    for (; i < bound; i += step) {
                        FloatVector n = FloatVector.fromByteBuffer(S, hb, h + i * 4, ORDER).add(e).mul(rstd);
                        FloatVector gu = FloatVector.fromByteBuffer(S, gib, gi + i * 4, ORDER).mul(g).sub(f1)
                                .sub(n.mul(f2)).mul(rstd);
                        gu.intoByteBuffer(gib, gi + i * 4, ORDER);
                        sum = sum.add(gu);
                    }
                    double t = sum.reduceLanes(VectorOperators.ADD);
                    for (; i < positions; i++) {
                        float n = (hb.getFloat(h + i * 4) + e) * rstd;
                        float gu = (gib.getFloat(gi + i * 4) * g - f1 - n * f2) * rstd;
                        gib.putFloat(gi + i * 4, gu);
                        t += gu;
                    }
                    if (gradShift != null) {
                        gradShift[b * channels + c] = t;
                    }
                }
            }
        }
    }

    /** The sum of n floats from a byte offset. */
    private static double sum(ByteBuffer buf, int from, int n) {
        FloatVector acc = FloatVector.zero(S);
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            acc = acc.add(FloatVector.fromByteBuffer(S, buf, from + i * 4, ORDER));
        }
        double s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += buf.getFloat(from + i * 4);
        }
        return s;
    }
}
