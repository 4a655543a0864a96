package io.github.scoresde.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The U-Net's 3x3 convolutions as libnd4j ops on caller-owned arrays (NCHW, no padding; oneDNN
 * runs them in the {@code -onednn} builds): a convolution with weights {@code [3, 3, in, out]}, a
 * transposed convolution with weights {@code [3, 3, out, in]}, and their backward passes.
 *
 * <p>The gradient of a convolution with respect to its input is the transposed convolution of
 * the output gradient with the same weight array, and the reverse: a convolution's
 * {@code [3, 3, in, out]} is read by the transposed convolution as {@code [3, 3, its out, its in]},
 * which maps the convolution's output channels back to its input channels (docs/math.md, section
 * 11). Input VJPs use that and compute no weight gradients. float32 or float64; the arrays'
 * memory must be row-major and dense (views with an offset serve).
 */
final class ConvOps {
    private ConvOps() {
    }

    /** out = conv(x, w) with the given stride; x [B, in, H, W], w [3, 3, in, out], out [B, out, (H - 3) / s + 1, ...]. */
    static void conv(INDArray x, INDArray w, int stride, INDArray out) {
        exec(DynamicCustomOp.builder("conv2d").addInputs(x, w).addOutputs(out), convArgs(stride));
    }

    /**
     * out = transposed conv(x, w) (+ bias); x [B, in, H, W], w [3, 3, out, in], out [B, out,
     * s (H - 1) + 3, ...].
     */
    static void deconv(INDArray x, INDArray w, INDArray bias, int stride, INDArray out) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("deconv2d");
        op = bias == null ? op.addInputs(x, w) : op.addInputs(x, w, bias);
        exec(op.addOutputs(out), deconvArgs(stride));
    }

    /** The gradients of {@link #conv} with respect to x and w, from the output's gradient. */
    static void convBackward(INDArray x, INDArray w, INDArray gradOut, int stride, INDArray gradX, INDArray gradW) {
        exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, gradOut).addOutputs(gradX, gradW), convArgs(stride));
    }

    /** The gradients of {@link #deconv} with respect to x, w and the bias (when given), from the output's gradient. */
    static void deconvBackward(INDArray x, INDArray w, INDArray bias, INDArray gradOut, int stride, INDArray gradX,
            INDArray gradW, INDArray gradBias) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("deconv2d_bp");
        op = bias == null ? op.addInputs(x, w, gradOut).addOutputs(gradX, gradW)
                : op.addInputs(x, w, bias, gradOut).addOutputs(gradX, gradW, gradBias);
        exec(op, deconvArgs(stride));
    }

    // libnd4j's integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, padding mode (0 valid), data
    // format (0 NCHW), and for conv2d the weight format (0 [kH, kW, in, out])
    private static int[] convArgs(int stride) {
        return new int[] {3, 3, stride, stride, 0, 0, 1, 1, 0, 0, 0};
    }

    private static int[] deconvArgs(int stride) {
        return new int[] {3, 3, stride, stride, 0, 0, 1, 1, 0, 0};
    }

    private static void exec(DynamicCustomOp.DynamicCustomOpsBuilder op, int[] args) {
        Nd4j.exec(op.addIntegerArguments(args).build());
    }
}
