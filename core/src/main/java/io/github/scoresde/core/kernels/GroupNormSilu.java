package io.github.scoresde.core.kernels;

import io.github.scoresde.core.NdArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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
 * serves in place; {@link Kernels.VectorOps}); otherwise the same formulas composed from ND4J ops
 * in the input's data type (several times slower in float32; the float64 path of gradient
 * checks). Not thread-safe: one pass per thread.
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
        if (v != null && vectorLayout(input, output, sigmoid)) {
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
        Composed c = composed(null);
        INDArray s1 = Transforms.sigmoid(c.z, true);
        output.assign(c.z.mul(s1).reshape(input.shape()));
        if (sigmoid != null) {
            sigmoid.assign(s1.reshape(input.shape()));
        }
        double[] mean = c.mean.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        double[] rstd = c.rstd.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        stats = new double[2 * mean.length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(mean, b * groups, stats, b * 2 * groups, groups);
            System.arraycopy(rstd, b * groups, stats, b * 2 * groups + groups, groups);
        }
    }

    /** n and z {@code [B, C, P]} and the groups' statistics {@code [B, G]}, by ND4J ops. */
    private record Composed(INDArray n, INDArray z, INDArray mean, INDArray rstd) {
    }

    /**
     * The forward pass's intermediate arrays composed from ND4J ops in the input's data type
     * (the path without the vector kernel): from the data, or from saved statistics when given.
     */
    private Composed composed(double[] saved) {
        DataType type = input.dataType();
        long m = (long) channels / groups * positions;
        INDArray u = input.dup('c').reshape(batch, channels, positions);
        if (shift != null) {
            Nd4j.exec(new BroadcastAddOp(u, shift.castTo(type).reshape(batch, channels), u, 0, 1));
        }
        INDArray grouped = u.reshape(batch, groups, m);
        INDArray mean;
        INDArray rstd;
        if (saved == null) {
            mean = grouped.mean(2);
            INDArray centred = Nd4j.exec(new BroadcastSubOp(grouped, mean, grouped.ulike(), 0, 1));
            rstd = Transforms.pow(centred.muli(centred).mean(2).addi(eps), -0.5, false);
        } else {
            double[] mv = new double[batch * groups];
            double[] rv = new double[batch * groups];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(saved, b * 2 * groups, mv, b * groups, groups);
                System.arraycopy(saved, b * 2 * groups + groups, rv, b * groups, groups);
            }
            mean = Nd4j.createFromArray(mv).reshape(batch, groups).castTo(type);
            rstd = Nd4j.createFromArray(rv).reshape(batch, groups).castTo(type);
        }
        INDArray n = Nd4j.exec(new BroadcastSubOp(grouped, mean, grouped.ulike(), 0, 1));
        Nd4j.exec(new BroadcastMulOp(n, rstd, n, 0, 1));
        n = n.reshape(batch, channels, positions);
        INDArray z = Nd4j.exec(new BroadcastMulOp(n, gamma.castTo(type).reshape(channels), n.ulike(), 1));
        Nd4j.exec(new BroadcastAddOp(z, beta.castTo(type).reshape(channels), z, 1));
        return new Composed(n, z, mean, rstd);
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
        if (v != null && vectorLayout(input, sigmoid, gradOutput, gradInput)) {
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

    /** The backward pass by ND4J ops in the input's data type (the path without the vector kernel). */
    private void slowBackward(double[] st, INDArray gradOutput, INDArray gradInput, double[] gShift, double[] gGamma,
            double[] gBeta) {
        DataType type = input.dataType();
        long m = (long) channels / groups * positions;
        Composed c = composed(st);
        INDArray sg = sigmoid.castTo(type).reshape(batch, channels, positions);
        // dL/dz = dL/dy s (1 + z (1 - s))
        INDArray gz = gradOutput.castTo(type).dup('c').reshape(batch, channels, positions)
                .muli(sg.rsub(1).muli(c.z).addi(1).muli(sg));
        double[] gb = gz.sum(0, 2).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        double[] gg = gz.mul(c.n).sum(0, 2).castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        for (int i = 0; i < channels; i++) {
            gBeta[i] += gb[i];
            gGamma[i] += gg[i];
        }
        // dL/du = rstd (a - mean_G a - n mean_G (a n)), a = gamma dL/dz
        INDArray a = Nd4j.exec(new BroadcastMulOp(gz, gamma.castTo(type).reshape(channels), gz, 1))
                .reshape(batch, groups, m);
        INDArray n = c.n.reshape(batch, groups, m);
        INDArray k1 = a.mean(2);
        INDArray k2 = a.mul(n).mean(2);
        INDArray gu = Nd4j.exec(new BroadcastSubOp(a, k1, a.ulike(), 0, 1));
        Nd4j.exec(new BroadcastMulOp(n, k2, n, 0, 1));
        gu.subi(n);
        Nd4j.exec(new BroadcastMulOp(gu, c.rstd, gu, 0, 1));
        if (gShift != null) {
            double[] sums = gu.reshape(batch, channels, positions).sum(2).castTo(DataType.DOUBLE).reshape(-1)
                    .toDoubleVector();
            System.arraycopy(sums, 0, gShift, 0, sums.length);
        }
        gradInput.assign(gu.reshape(input.shape()));
    }

    /** Whether the vector kernel reads these arrays (null ones aside): see {@link ConvKernels#examplesContiguous}. */
    private static boolean vectorLayout(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !ConvKernels.examplesContiguous(a)) {
                return false;
            }
        }
        return true;
    }

    private static void checkLength(String name, INDArray a, long n) {
        if (a == null || a.length() != n) {
            throw new IllegalArgumentException(name + " must hold " + n + " values; got "
                    + (a == null ? "null" : Arrays.toString(a.shape())));
        }
    }
}
