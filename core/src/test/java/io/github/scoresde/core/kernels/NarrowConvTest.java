package io.github.scoresde.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The narrow-convolution kernels against libnd4j's conv2d, deconv2d and their backward ops: here
 * (no provider) they must decline, and through scoresde-cpu's subclass they must agree.
 */
public class NarrowConvTest {
    /** {batch, image channels, H, W, feature channels}: 28 x 28 as the U-Net's, odd sizes for the loops' tails. */
    private static final int[][] CASES = {{3, 1, 28, 28, 32}, {2, 3, 9, 7, 5}, {1, 2, 5, 19, 4}};
    private static final int[] CONV = {3, 3, 1, 1, 0, 0, 1, 1, 0, 0, 0};
    private static final int[] DECONV = {3, 3, 1, 1, 0, 0, 1, 1, 0, 0};

    /** Whether a kernel provider serves (scoresde-cpu's subclass). */
    protected boolean expectProvider() {
        return false;
    }

    private static INDArray gaussian(long seed, long... shape) {
        long[] row = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        return RandomSource.of(seed).gaussian(DataType.FLOAT, 0, (int) shape[0], row);
    }

    private static void exec(String op, int[] args, INDArray[] in, INDArray... out) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(in).addOutputs(out).addIntegerArguments(args).build());
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1, expected.amaxNumber().doubleValue());
        double err = actual.sub(expected).amaxNumber().doubleValue();
        assertTrue(err < 2e-5 * scale, what + ": max error " + err + " of " + scale);
    }

    @Test
    public void theKernelsAgreeWithLibnd4jsConvolutionsOrDecline() {
        for (int[] k : CASES) {
            String name = java.util.Arrays.toString(k);
            INDArray image = gaussian(1, k[0], k[1], k[2], k[3]);
            INDArray features = gaussian(2, k[0], k[4], k[2] - 2, k[3] - 2);
            INDArray w = gaussian(3, 3, 3, k[1], k[4]);
            INDArray bias = gaussian(4, 1, k[1]).reshape(k[1]);

            INDArray conv = features.ulike();
            boolean done = Kernels.narrowConv(image, w, conv);
            assertEquals(expectProvider(), done, name);
            INDArray transposed = image.ulike();
            assertEquals(expectProvider(), Kernels.narrowConvTranspose(features, w, bias, transposed), name);
            INDArray gw = w.ulike();
            assertEquals(expectProvider(), Kernels.narrowConvWeightGradient(image, features, gw), name);
            if (!done) {
                continue;
            }
            INDArray expectedConv = features.ulike();
            exec("conv2d", CONV, new INDArray[] {image, w}, expectedConv);
            assertClose(expectedConv, conv, name + " convolution");
            INDArray expectedTransposed = image.ulike();
            exec("deconv2d", DECONV, new INDArray[] {features, w, bias}, expectedTransposed);
            assertClose(expectedTransposed, transposed, name + " transposed convolution");
            // the weight gradient of the convolution whose output gradient is `features`
            INDArray gx = image.ulike();
            INDArray expectedGw = w.ulike();
            exec("conv2d_bp", CONV, new INDArray[] {image, w, features}, gx, expectedGw);
            assertClose(expectedGw, gw, name + " weight gradient");
            // and of the transposed convolution whose output gradient is `image`
            INDArray gf = features.ulike();
            INDArray expectedGwT = w.ulike();
            exec("deconv2d_bp", DECONV, new INDArray[] {features, w, image}, gf, expectedGwT);
            assertClose(expectedGwT, gw, name + " weight gradient of the transposed convolution");
            // each is the other's input gradient
            assertClose(gx, transposedWithoutBias(features, w, image), name + " input gradient of the convolution");
            assertClose(gf, convOf(image, w, features), name + " input gradient of the transposed convolution");
        }
    }

    private static INDArray transposedWithoutBias(INDArray features, INDArray w, INDArray image) {
        INDArray out = image.ulike();
        assertTrue(Kernels.narrowConvTranspose(features, w, null, out));
        return out;
    }

    private static INDArray convOf(INDArray image, INDArray w, INDArray features) {
        INDArray out = features.ulike();
        assertTrue(Kernels.narrowConv(image, w, out));
        return out;
    }

    @Test
    public void otherDataTypesAndMismatchedShapesAreDeclined() {
        INDArray image = gaussian(1, 2, 1, 8, 8);
        INDArray w = gaussian(3, 3, 3, 1, 4);
        assertFalse(Kernels.narrowConv(image.castTo(DataType.DOUBLE), w.castTo(DataType.DOUBLE),
                Nd4j.create(DataType.DOUBLE, 2, 4, 6, 6)));
        assertFalse(Kernels.narrowConv(image, w, Nd4j.create(DataType.FLOAT, 2, 4, 5, 6)));
        assertFalse(Kernels.narrowConv(image, w, Nd4j.create(DataType.FLOAT, 2, 3, 6, 6)));
    }
}
