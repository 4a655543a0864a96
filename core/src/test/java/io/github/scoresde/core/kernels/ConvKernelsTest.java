package io.github.scoresde.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The U-Net's kernels: the narrow convolutions against libnd4j's conv2d, deconv2d and their
 * backward ops (here, with no provider, they must decline; through scoresde-cpu's subclass they
 * must agree), and the per-example add on both paths.
 */
public class ConvKernelsTest {
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
            boolean done = ConvKernels.narrowConv(image, w, conv);
            assertEquals(expectProvider(), done, name);
            INDArray transposed = image.ulike();
            assertEquals(expectProvider(), ConvKernels.narrowConvTranspose(features, w, bias, transposed), name);
            INDArray gw = w.ulike();
            assertEquals(expectProvider(), ConvKernels.narrowConvWeightGradient(image, features, gw), name);
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
        assertTrue(ConvKernels.narrowConvTranspose(features, w, null, out));
        return out;
    }

    private static INDArray convOf(INDArray image, INDArray w, INDArray features) {
        INDArray out = features.ulike();
        assertTrue(ConvKernels.narrowConv(image, w, out));
        return out;
    }

    @Test
    public void otherDataTypesAndMismatchedShapesAreDeclined() {
        INDArray image = gaussian(1, 2, 1, 8, 8);
        INDArray w = gaussian(3, 3, 3, 1, 4);
        assertFalse(ConvKernels.narrowConv(image.castTo(DataType.DOUBLE), w.castTo(DataType.DOUBLE),
                Nd4j.create(DataType.DOUBLE, 2, 4, 6, 6)));
        assertFalse(ConvKernels.narrowConv(image, w, Nd4j.create(DataType.FLOAT, 2, 4, 5, 6)));
        assertFalse(ConvKernels.narrowConv(image, w, Nd4j.create(DataType.FLOAT, 2, 3, 6, 6)));
    }

    @Test
    public void addIntoAddsChannelSlicesInPlace() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray big = io.github.scoresde.core.RandomSource.of(1).gaussian(type, 0, 5, 12, 3, 7);
            INDArray other = io.github.scoresde.core.RandomSource.of(2).gaussian(type, 0, 5, 12, 3, 7);
            INDArray before = big.dup();
            INDArray target = big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 7), NDArrayIndex.all(),
                    NDArrayIndex.all());
            INDArray source = other.get(NDArrayIndex.all(), NDArrayIndex.interval(5, 12), NDArrayIndex.all(),
                    NDArrayIndex.all());
            INDArray expected = target.add(source);
            assertEquals(target, ConvKernels.addInto(target, source));
            assertEquals(0, target.sub(expected).amaxNumber().doubleValue(), 0, type.toString());
            assertEquals(0, big.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 12), NDArrayIndex.all(),
                    NDArrayIndex.all()).sub(before.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 12),
                    NDArrayIndex.all(), NDArrayIndex.all())).amaxNumber().doubleValue(), 0, "the other channels");
            // a dense target and a one-example batch
            INDArray dense = io.github.scoresde.core.RandomSource.of(3).gaussian(type, 0, 1, 40);
            INDArray plus = dense.add(dense);
            ConvKernels.addInto(dense, dense.dup());
            assertEquals(0, dense.sub(plus).amaxNumber().doubleValue(), 0);
        }
        assertThrows(IllegalArgumentException.class, () -> ConvKernels.addInto(Nd4j.zeros(2, 3), Nd4j.zeros(3, 2)));
    }
}
