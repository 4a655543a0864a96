package io.github.scoresde.core.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The kernels against ND4J's own ops: here on the plain ND4J path, and through scoresde-cpu's
 * subclass on its Vector API path.
 */
public class KernelsTest {

    /** A seeded standard normal {@code [rows, cols]} array times scale (also for the other kernel tests here). */
    static INDArray gaussian(long seed, DataType type, char order, long rows, long cols, double scale) {
        Random r = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        return Nd4j.randn(r, new long[] {rows, cols}).muli(scale).castTo(type).dup(order);
    }

    /** SiLU(z + b) and SiLU'(z + b) by ND4J ops, in float64. */
    private static INDArray[] reference(INDArray z, INDArray b) {
        INDArray v = z.castTo(DataType.DOUBLE).addRowVector(b.castTo(DataType.DOUBLE).reshape(1, b.length()));
        INDArray d = Nd4j.exec(new SwishDerivative(v.dup()));
        INDArray h = Nd4j.exec(new Swish(v.dup()));
        return new INDArray[] {h, d};
    }

    /**
     * Whether this run has a kernel provider: not in core's own tests (no provider on their class
     * path, so every kernel runs as ND4J ops); scoresde-cpu's subclass runs the same tests with its
     * Vector API kernels.
     */
    protected boolean expectProvider() {
        return false;
    }

    @Test
    public void theKernelsComeFromAProviderOnlyWhenOneIsOnTheClassPath() {
        assertEquals(expectProvider(), Kernels.vectorized());
    }

    @Test
    public void meanRowNormMatchesTheNormsOfTheRows() {
        long[][] shapes = {{37, 2}, {4096, 2}, {5, 40}, {3, 2, 3, 3}, {1, 1}, {70, 17}};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (long[] shape : shapes) {
                INDArray a = io.github.scoresde.core.RandomSource.of(shape[0]).gaussian(type, 0, (int) shape[0],
                        java.util.Arrays.copyOfRange(shape, 1, shape.length));
                INDArray flat = a.reshape(shape[0], -1).castTo(DataType.DOUBLE);
                double expected = 0;
                for (int b = 0; b < shape[0]; b++) {
                    double sq = 0;
                    for (int i = 0; i < flat.size(1); i++) {
                        sq += flat.getDouble(b, i) * flat.getDouble(b, i);
                    }
                    expected += Math.sqrt(sq) / shape[0];
                }
                double got = Kernels.meanRowNorm(a);
                assertEquals(expected, got, 1e-6 * expected, type + " " + java.util.Arrays.toString(shape));
                // a column-major copy holds the same rows
                assertEquals(got, Kernels.meanRowNorm(a.dup('f')), 1e-6 * expected);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kernels.meanRowNorm(Nd4j.create(DataType.FLOAT, 0, 2)));
        assertTrue(e.getMessage().contains("at least one row"), e.getMessage());
    }

    /**
     * The row kernel (d &gt;= lanes) keeps layouts of the last means it saw; changing the caller's means
     * array in place between calls must give the new mixture's score, the same as a fresh array.
     */
    @Test
    public void linearCombinationAndScaledErrorMatchNd4jOps() {
        double[] all = {0.3, -1.7, 2.25, 0.6, -0.4, 1.1, -2.0};
        // 1-3 and 7 terms take the general loops, 4-6 the fixed-slot float64 ones (Dormand-Prince's)
        for (int terms : new int[] {1, 3, 4, 5, 6, 7}) {
            double[] a = java.util.Arrays.copyOf(all, terms);
            for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                for (char order : new char[] {'c', 'f'}) {
                    String where = terms + " terms, " + type + " " + order;
                    // 37 x 5: a remainder after whole vectors
                    INDArray y = gaussian(11, type, order, 37, 5, 2.0);
                    INDArray[] k = new INDArray[terms];
                    for (int j = 0; j < terms; j++) {
                        // the last term 'c' whatever the order: terms of mixed layouts
                        k[j] = gaussian(12 + j, type, j == terms - 1 ? 'c' : order, 37, 5, 1.0);
                    }
                    double h = 0.125;
                    INDArray expected = y.castTo(DataType.DOUBLE);
                    for (int j = 0; j < k.length; j++) {
                        expected = expected.add(k[j].castTo(DataType.DOUBLE).mul(h * a[j]));
                    }
                    INDArray out = y.ulike();
                    Kernels.linearCombination(out, y, h, a, k);
                    double tol = type == DataType.FLOAT ? 1e-5 : 1e-12;
                    assertTrue(expected.equalsWithEps(out.castTo(DataType.DOUBLE), tol), where);
                    // a factor on y
                    INDArray scaled = Kernels.scaledCombination(y.ulike(), -0.75, y, h, a, k);
                    INDArray expectedScaled = expected.sub(y.castTo(DataType.DOUBLE).mul(1.75));
                    assertTrue(expectedScaled.equalsWithEps(scaled.castTo(DataType.DOUBLE), tol), "scaled, " + where);
                    // in place, on y itself
                    INDArray inPlace = y.dup(order);
                    Kernels.linearCombination(inPlace, inPlace, h, a, k);
                    assertTrue(expected.equalsWithEps(inPlace.castTo(DataType.DOUBLE), tol), "in place, " + where);

                    INDArray yNew = out;
                    double rtol = 1e-3;
                    double atol = 1e-4;
                    INDArray err = k[0].castTo(DataType.DOUBLE).mul(h * a[0]);
                    for (int j = 1; j < k.length; j++) {
                        err.addi(k[j].castTo(DataType.DOUBLE).mul(h * a[j]));
                    }
                    double sum = 0;
                    for (int i = 0; i < 37; i++) {
                        for (int c = 0; c < 5; c++) {
                            double scale = atol + rtol * Math.max(Math.abs(y.getDouble(i, c)),
                                    Math.abs(yNew.getDouble(i, c)));
                            double r = err.getDouble(i, c) / scale;
                            sum += r * r;
                        }
                    }
                    double rms = Math.sqrt(sum / (37 * 5));
                    assertEquals(rms, Kernels.scaledErrorRms(y, yNew, rtol, atol, h, a, k), rms * 1e-4, where);
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kernels.linearCombination(
                Nd4j.create(DataType.FLOAT, 3, 2), Nd4j.create(DataType.FLOAT, 3, 2), 1.0, new double[] {1},
                Nd4j.create(DataType.FLOAT, 2, 3)));
        assertTrue(e.getMessage().contains("k[0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Kernels.linearCombination(
                Nd4j.create(DataType.FLOAT, 3, 2), Nd4j.create(DataType.FLOAT, 3, 2), 1.0, new double[] {1, 2},
                Nd4j.create(DataType.FLOAT, 3, 2)));
        assertTrue(e.getMessage().contains("coefficient"), e.getMessage());
    }

    @Test
    public void biasSiluMatchesNd4jInEveryLayout() {
        // 37 rows: a remainder after whole vectors; values up to +-40 reach both saturations
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (char order : new char[] {'f', 'c'}) {
                INDArray z = gaussian(1, type, order, 37, 19, 12.0);
                INDArray b = gaussian(2, type, 'c', 1, 19, 1.0).reshape(19);
                INDArray[] ref = reference(z, b);
                INDArray out = Nd4j.create(type, new long[] {37, 19}, order);
                INDArray deriv = Nd4j.create(type, new long[] {37, 19}, 'f');
                Kernels.biasSilu(z, b, out, deriv);
                double tol = type == DataType.FLOAT ? 2e-6 : 1e-12;
                assertClose(ref[0], out, tol, type + " " + order + " SiLU");
                // float32 sigmoid from a rational tanh: absolute error below 2e-7, which SiLU' =
                // s (1 + v (1 - s)) multiplies by |v| (up to 40 here)
                assertClose(ref[1], deriv, type == DataType.FLOAT ? 5e-6 : tol, type + " " + order + " SiLU'");
                INDArray inPlace = z.dup(order);
                Kernels.biasSilu(inPlace, b, inPlace, null);
                assertClose(ref[0], inPlace, tol, type + " " + order + " in place");
            }
        }
    }

    @Test
    public void biasSiluOnAViewWithAnOffset() {
        INDArray big = gaussian(3, DataType.FLOAT, 'f', 40, 30, 3.0);
        INDArray view = big.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 20)); // 'f', offset 7 * 40
        INDArray b = gaussian(4, DataType.FLOAT, 'c', 1, 13, 1.0);
        INDArray[] ref = reference(view, b);
        INDArray before = big.dup();
        Kernels.biasSilu(view, b, view, null);
        assertClose(ref[0], view, 2e-6, "view");
        // columns outside the view are untouched
        assertEquals(before.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 7)),
                big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 7)));
        assertEquals(before.get(NDArrayIndex.all(), NDArrayIndex.interval(20, 30)),
                big.get(NDArrayIndex.all(), NDArrayIndex.interval(20, 30)));
    }

    @Test
    public void addBiasMatchesABroadcast() {
        for (char order : new char[] {'f', 'c'}) {
            INDArray z = gaussian(7, DataType.FLOAT, order, 45, 6, 1.0);
            INDArray b = gaussian(8, DataType.FLOAT, 'c', 1, 6, 1.0);
            INDArray expected = z.addRowVector(b);
            Kernels.addBias(z, b.reshape(6));
            assertClose(expected, z, 1e-7, order + " bias");
        }
    }

    @Test
    public void backwardMultipliesAndSumsColumns() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (char order : new char[] {'f', 'c'}) {
                INDArray eps = gaussian(5, type, order, 53, 17, 1.0);
                INDArray deriv = gaussian(6, type, 'f', 53, 17, 1.0);
                INDArray expected = eps.castTo(DataType.DOUBLE).mul(deriv.castTo(DataType.DOUBLE));
                INDArray biasGrad = Nd4j.create(type, 1, 17);
                Kernels.siluBackward(eps, deriv, biasGrad);
                double tol = type == DataType.FLOAT ? 1e-5 : 1e-12;
                assertClose(expected, deriv, tol, type + " " + order + " delta");
                assertClose(expected.sum(0).reshape(1, 17), biasGrad, tol, type + " " + order + " bias gradient");
            }
        }
    }

    @Test
    public void adamStepFollowsTheFormula() {
        INDArray g = gaussian(11, DataType.FLOAT, 'c', 1, 999, 1.0);
        INDArray m = gaussian(12, DataType.FLOAT, 'c', 1, 999, 0.1);
        INDArray v = gaussian(13, DataType.FLOAT, 'c', 1, 999, 0.1);
        v.assign(v.mul(v));
        double lr = 1e-3;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        int k = 4;
        INDArray gd = g.castTo(DataType.DOUBLE);
        INDArray m1 = m.castTo(DataType.DOUBLE).mul(b1).add(gd.mul(1 - b1));
        INDArray v1 = v.castTo(DataType.DOUBLE).mul(b2).add(gd.mul(gd).mul(1 - b2));
        double alpha = lr * Math.sqrt(1 - Math.pow(b2, k + 1)) / (1 - Math.pow(b1, k + 1));
        INDArray update = m1.mul(alpha).div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(v1).add(eps));
        if (!Kernels.vectorized()) { // the fallback leaves the step to DL4J's own Adam
            assertTrue(!Kernels.adam(g, m, v, lr, b1, b2, eps, k));
            return;
        }
        // the same step on the gradient scaled by 1/2 (clipping) from a scaled copy's formula
        INDArray g2 = g.mul(2);
        INDArray m2 = m.dup();
        INDArray v2 = v.dup();
        assertTrue(Kernels.adam(g2, m2, v2, lr, b1, b2, eps, k, 0.5));
        assertClose(m1, m2, 1e-6, "first moment of the scaled gradient");
        assertClose(update, g2, 1e-5, "update of the scaled gradient");
        // with the parameters given: they take the step, the gradient stays
        INDArray p = gaussian(14, DataType.FLOAT, 'c', 1, 999, 1.0);
        INDArray expectedParams = p.castTo(DataType.DOUBLE).sub(update);
        INDArray g3 = g.dup();
        assertTrue(Kernels.adam(g3, m.dup(), v.dup(), lr, b1, b2, eps, k, 1.0, p));
        assertClose(expectedParams, p, 1e-6, "parameters after the step");
        assertEquals(g, g3);
        assertTrue(Kernels.adam(g, m, v, lr, b1, b2, eps, k));
        assertClose(m1, m, 1e-6, "first moment");
        assertClose(v1, v, 1e-6, "second moment");
        assertClose(update, g, 1e-5, "update");
        // float64 is left to DL4J's own step
        assertTrue(!Kernels.adam(gd, m1, v1, lr, b1, b2, eps, k));
    }

    @Test
    public void norm2OfAllValues() {
        INDArray a = gaussian(14, DataType.FLOAT, 'c', 1, 5003, 3.0);
        assertEquals(a.castTo(DataType.DOUBLE).norm2Number().doubleValue(), Kernels.norm2(a), 1e-6 * Kernels.norm2(a)); // float partial sums
        // matrices in either order, and a non-contiguous view (the ND4J path)
        for (INDArray b : new INDArray[] {gaussian(15, DataType.FLOAT, 'c', 37, 7, 1.0),
                gaussian(16, DataType.FLOAT, 'f', 37, 7, 1.0),
                gaussian(17, DataType.FLOAT, 'c', 37, 7, 1.0).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4))}) {
            double expected = b.castTo(DataType.DOUBLE).norm2Number().doubleValue();
            assertEquals(expected, Kernels.norm2(b), 1e-6 * expected);
        }
    }

    @Test
    public void movingAverageFoldsInTheParameters() {
        INDArray avg = gaussian(9, DataType.FLOAT, 'c', 1, 1001, 1.0);
        INDArray p = gaussian(10, DataType.FLOAT, 'c', 1, 1001, 1.0);
        INDArray expected = avg.castTo(DataType.DOUBLE).mul(0.9).add(p.castTo(DataType.DOUBLE).mul(0.1));
        Kernels.movingAverage(avg, p, 0.9);
        assertClose(expected, avg, 1e-6, "moving average");
        assertThrows(IllegalArgumentException.class, () -> Kernels.movingAverage(avg, Nd4j.zeros(DataType.FLOAT, 3), 0.5));
    }

    @Test
    public void sinCosMatchesMathToFloatRounding() {
        double[] f = new double[67]; // a remainder after whole vectors
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < f.length; i++) {
            f[i] = 16 * r.nextGaussian();
        }
        float[] out = new float[5 + 2 * f.length];
        for (double t : new double[] {0, 1e-3, 0.37, 1}) {
            double scale = 2 * Math.PI * t;
            Kernels.sinCos(scale, f, out, 5, 5 + f.length);
            for (int i = 0; i < f.length; i++) {
                assertEquals((float) Math.sin(scale * f[i]), out[5 + i], 2e-7, "sin " + i + " at t " + t);
                assertEquals((float) Math.cos(scale * f[i]), out[5 + f.length + i], 2e-7, "cos " + i + " at t " + t);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Kernels.sinCos(1, f, new float[10], 0, 5));
    }

    @Test
    public void nanPropagates() {
        INDArray z = Nd4j.zeros(DataType.FLOAT, 20, 3).dup('f');
        z.putScalar(5, 1, Float.NaN);
        INDArray out = z.dup('f');
        Kernels.biasSilu(z, Nd4j.zeros(DataType.FLOAT, 3), out, null);
        assertTrue(Float.isNaN(out.getFloat(5, 1)));
        assertEquals(0f, out.getFloat(4, 1));
    }

    @Test
    public void rejectsMismatchedShapes() {
        INDArray z = Nd4j.zeros(DataType.FLOAT, 4, 3).dup('f');
        assertThrows(IllegalArgumentException.class,
                () -> Kernels.biasSilu(z, Nd4j.zeros(DataType.FLOAT, 2), z, null));
        assertThrows(IllegalArgumentException.class,
                () -> Kernels.biasSilu(z, Nd4j.zeros(DataType.FLOAT, 3), Nd4j.zeros(DataType.FLOAT, 4, 2), null));
        assertThrows(IllegalArgumentException.class,
                () -> Kernels.siluBackward(Nd4j.zeros(DataType.FLOAT, 5, 3), z, Nd4j.zeros(DataType.FLOAT, 3)));
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        INDArray a = actual.castTo(DataType.DOUBLE);
        double err = e.sub(a).amaxNumber().doubleValue() / Math.max(1.0, e.amaxNumber().doubleValue());
        assertTrue(err <= tol, what + ": max relative error " + err + " > " + tol);
    }
}
