package io.github.scoresde.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused shift + GroupNorm + SiLU against its definition composed from ND4J ops and against
 * finite differences; here on the plain Java path, and through scoresde-cpu's subclass on the
 * Vector API path (float32).
 */
public class GroupNormSiluTest {
    /** [batch, channels, h, w] and groups: a channel of 25 or 4 positions is shorter than a vector; 9 x 7 is not. */
    private static final int[][] CASES = {{3, 8, 5, 5, 4}, {2, 6, 2, 2, 3}, {2, 4, 9, 7, 1}, {1, 32, 3, 3, 32}};

    private static INDArray gaussian(long seed, DataType type, double scale, long... shape) {
        long[] row = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        return RandomSource.of(seed).gaussian(type, 0, (int) shape[0], row).muli(scale);
    }

    /** h, shift, gamma, beta and an output gradient for a case {batch, channels, height, width, groups}. */
    private static INDArray[] inputs(DataType type, int[] k) {
        return new INDArray[] {gaussian(1, type, 3, k[0], k[1], k[2], k[3]).addi(1.5), gaussian(2, type, 2, k[0], k[1]),
            gaussian(3, type, 1, 1, k[1]).reshape(k[1]).addi(1), gaussian(4, type, 0.5, 1, k[1]).reshape(k[1]),
            gaussian(5, type, 1, k[0], k[1], k[2], k[3])};
    }

    /** SiLU(gamma (u - mean) / sqrt(var + eps) + beta), u = h + shift, by ND4J ops in float64. */
    private static INDArray definition(INDArray h, INDArray shift, INDArray gamma, INDArray beta, int groups,
            double eps) {
        long b = h.size(0);
        long c = h.size(1);
        INDArray u = h.castTo(DataType.DOUBLE).dup();
        INDArray flat = u.reshape(b, c, -1);
        flat.addi(Nd4j.expandDims(shift.castTo(DataType.DOUBLE), 2).broadcast(flat.shape()));
        INDArray grouped = flat.reshape(b, groups, -1);
        INDArray mean = grouped.mean(true, 2);
        INDArray centred = grouped.sub(mean.broadcast(grouped.shape()));
        INDArray var = centred.mul(centred).mean(true, 2);
        INDArray n = centred.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(var.add(eps)).broadcast(grouped.shape()))
                .reshape(b, c, -1);
        INDArray g = gamma.castTo(DataType.DOUBLE).reshape(1, c, 1).broadcast(n.shape());
        INDArray bt = beta.castTo(DataType.DOUBLE).reshape(1, c, 1).broadcast(n.shape());
        INDArray z = n.mul(g).add(bt);
        return Nd4j.exec(new Swish(z, z.ulike())).reshape(h.shape());
    }

    @Test
    public void theOutputIsSiluOfTheGroupNormOfTheShiftedInput() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] k : CASES) {
                INDArray h = gaussian(k[0], type, 3, k[0], k[1], k[2], k[3]).addi(1.5);
                INDArray shift = gaussian(11, type, 2, k[0], k[1]);
                INDArray gamma = gaussian(12, type, 1, 1, k[1]).reshape(k[1]).addi(1);
                INDArray beta = gaussian(13, type, 0.5, 1, k[1]).reshape(k[1]);
                GroupNormSilu pass = GroupNormSilu.over(h, shift, gamma, beta, k[4], 1e-5, false);
                pass.forward();
                INDArray expected = definition(h, shift, gamma, beta, k[4], 1e-5);
                double err = pass.output().castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue();
                double tol = type == DataType.FLOAT ? 2e-6 * expected.amaxNumber().doubleValue() : 1e-12;
                assertTrue(err < tol, type + " " + java.util.Arrays.toString(k) + ": max error " + err);
            }
        }
    }

    @Test
    public void theBackwardPassMatchesFiniteDifferences() {
        int[] k = CASES[0];
        INDArray[] in = inputs(DataType.DOUBLE, k);
        INDArray h = in[0];
        INDArray shift = in[1];
        INDArray gamma = in[2];
        INDArray beta = in[3];
        INDArray r = in[4];
        GroupNormSilu pass = GroupNormSilu.over(h, shift, gamma, beta, k[4], 1e-5, true);
        pass.forward();
        INDArray gh = h.ulike();
        INDArray gShift = shift.ulike();
        INDArray gGamma = gamma.ulike();
        INDArray gBeta = beta.ulike();
        pass.backward(r, gh, gShift, gGamma, gBeta);
        // L = sum(y r), differentiated by central differences in each argument
        INDArray[] args = {h, shift, gamma, beta};
        INDArray[] grads = {gh, gShift, gGamma, gBeta};
        double step = 1e-6;
        for (int a = 0; a < args.length; a++) {
            INDArray flat = args[a].reshape(args[a].length());
            for (long i = 0; i < flat.length(); i += Math.max(1, flat.length() / 7)) {
                double x0 = flat.getDouble(i);
                flat.putScalar(i, x0 + step);
                pass.forward();
                double up = pass.output().mul(r).sumNumber().doubleValue();
                flat.putScalar(i, x0 - step);
                pass.forward();
                double down = pass.output().mul(r).sumNumber().doubleValue();
                flat.putScalar(i, x0);
                double fd = (up - down) / (2 * step);
                double an = grads[a].reshape(grads[a].length()).getDouble(i);
                assertEquals(fd, an, 1e-6 * Math.max(1, Math.abs(fd)), "argument " + a + " index " + i);
            }
        }
    }

    @Test
    public void float32GradientsMatchFloat64AndMayOverwriteTheirInput() {
        for (int[] k : CASES) {
            INDArray[] grads = new INDArray[8];
            for (int p = 0; p < 2; p++) {
                INDArray[] in = inputs(p == 0 ? DataType.DOUBLE : DataType.FLOAT, k);
                INDArray shift = in[1];
                INDArray gamma = in[2];
                INDArray beta = in[3];
                INDArray r = in[4];
                GroupNormSilu pass = GroupNormSilu.over(in[0], shift, gamma, beta, k[4], 1e-5, true);
                pass.forward();
                INDArray gShift = shift.ulike();
                INDArray gGamma = gamma.ulike();
                INDArray gBeta = beta.ulike();
                // in place: the output gradient's array receives the input gradient
                pass.backward(r, r, gShift, gGamma, gBeta);
                grads[4 * p] = r;
                grads[4 * p + 1] = gShift;
                grads[4 * p + 2] = gGamma;
                grads[4 * p + 3] = gBeta;
            }
            for (int j = 0; j < 4; j++) {
                INDArray exact = grads[j];
                double scale = Math.max(1, exact.amaxNumber().doubleValue());
                double err = grads[4 + j].castTo(DataType.DOUBLE).sub(exact).amaxNumber().doubleValue();
                assertTrue(err < 2e-5 * scale, java.util.Arrays.toString(k) + " gradient " + j + ": error " + err
                        + " of " + scale);
            }
        }
    }

    @Test
    public void aChannelSliceOfALargerArrayServesInPlace() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            // the first 8 of 12 channels: each example's 8 x 25 values adjacent, examples 12 x 25 apart
            INDArray big = gaussian(1, type, 3, 3, 12, 5, 5);
            INDArray gradBig = gaussian(2, type, 1, 3, 12, 5, 5);
            INDArray h = big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 8), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray r = gradBig.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 8), NDArrayIndex.all(),
                    NDArrayIndex.all());
            INDArray untouched = gradBig.get(NDArrayIndex.all(), NDArrayIndex.interval(8, 12), NDArrayIndex.all(),
                    NDArrayIndex.all()).dup();
            INDArray shift = gaussian(3, type, 1, 3, 8);
            INDArray gamma = gaussian(4, type, 1, 1, 8).reshape(8).addi(1);
            INDArray beta = gaussian(5, type, 1, 1, 8).reshape(8);
            GroupNormSilu dense = GroupNormSilu.over(h.dup('c'), shift, gamma, beta, 2, 1e-5, true);
            dense.forward();
            INDArray expectedGrad = r.dup('c');
            dense.backward(expectedGrad, expectedGrad, null, null, null);
            GroupNormSilu slice = GroupNormSilu.over(h, shift, gamma, beta, 2, 1e-5, true);
            slice.forward();
            slice.backward(r, r, null, null, null);
            assertEquals(0, slice.output().sub(dense.output()).amaxNumber().doubleValue(), 0, type + " output");
            assertEquals(0, r.sub(expectedGrad).amaxNumber().doubleValue(), 0, type + " gradient");
            assertEquals(0, gradBig.get(NDArrayIndex.all(), NDArrayIndex.interval(8, 12), NDArrayIndex.all(),
                    NDArrayIndex.all()).sub(untouched).amaxNumber().doubleValue(), 0, type + " the other channels");
        }
    }

    @Test
    public void badArgumentsAreRefusedByName() {
        INDArray h = Nd4j.zeros(DataType.FLOAT, 2, 6, 3, 3);
        INDArray c = Nd4j.ones(DataType.FLOAT, 6);
        IllegalArgumentException groups = assertThrows(IllegalArgumentException.class,
                () -> GroupNormSilu.over(h, null, c, c, 4, 1e-5, true));
        assertTrue(groups.getMessage().contains("groups"), groups.getMessage());
        IllegalArgumentException shift = assertThrows(IllegalArgumentException.class,
                () -> GroupNormSilu.over(h, Nd4j.zeros(DataType.FLOAT, 2, 5), c, c, 3, 1e-5, true));
        assertTrue(shift.getMessage().startsWith("shift"), shift.getMessage());
        GroupNormSilu noTape = GroupNormSilu.over(h, null, c, c, 3, 1e-5, false);
        noTape.forward();
        assertThrows(IllegalStateException.class, () -> noTape.backward(h, h.ulike(), null, null, null));
        GroupNormSilu fresh = GroupNormSilu.over(h, null, c, c, 3, 1e-5, true);
        assertThrows(IllegalStateException.class, () -> fresh.backward(h, h.ulike(), null, null, null));
    }
}
