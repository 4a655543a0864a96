package io.github.scoresde.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class RandomSourceTest {

    @Test
    void sameSeedGivesSameValuesAndOtherSeedsDiffer() {
        float[] a = new float[1000];
        float[] b = new float[1000];
        float[] c = new float[1000];
        RandomSource.of(7).fillGaussian(a, 0, 100, 10);
        RandomSource.of(7).fillGaussian(b, 0, 100, 10);
        RandomSource.of(8).fillGaussian(c, 0, 100, 10);
        assertArrayEquals(a, b);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == c[i] ? 1 : 0;
        }
        assertEquals(0, same);
    }

    @Test
    void valuesAreKeyedByIndexSoChunksComposeToOneBatch() {
        RandomSource rng = RandomSource.of(3).stream(11);
        INDArray whole = rng.gaussian(DataType.FLOAT, 0, 64, 3);
        INDArray first = rng.gaussian(DataType.FLOAT, 0, 16, 3);
        INDArray rest = rng.gaussian(DataType.FLOAT, 16, 48, 3);
        assertEquals(whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 16)), first);
        assertEquals(whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(16, 64)), rest);
        // scalar access agrees with the bulk fill, in float and in double
        assertEquals(whole.getDouble(20, 1), rng.gaussian(20, 1), 1e-6);
        assertEquals(rng.gaussian(DataType.DOUBLE, 0, 64, 3).getDouble(20, 2), rng.gaussian(20, 2), 0);
    }

    @Test
    void bulkFillAgreesWithScalarAccessWithinAnUlp() {
        // the bulk fill may take the vector kernel (vector logarithm); the scalar accessor never does
        RandomSource rng = RandomSource.of(21).stream(4);
        for (int perRow : new int[] {1, 2, 3, 8}) {
            int rows = 3001; // not a multiple of any vector's lanes
            long first = 12_345;
            double[] bulk = new double[rows * perRow];
            rng.fillGaussian(bulk, first, rows, perRow);
            int identical = 0;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < perRow; j++) {
                    double scalar = rng.gaussian(first + r, j);
                    double v = bulk[r * perRow + j];
                    assertEquals(scalar, v, 2 * Math.ulp(scalar), "row " + r + " position " + j);
                    identical += scalar == v ? 1 : 0;
                }
            }
            assertTrue(identical > rows * perRow * 0.5, identical + " of " + rows * perRow + " bitwise equal");
        }
    }

    @Test
    void gaussianMomentsMatchStandardNormal() {
        int n = 200_000;
        double[] v = new double[n];
        RandomSource.of(1).fillGaussian(v, 0, n / 4, 4);
        double mean = 0;
        double m2 = 0;
        double m4 = 0;
        int tail = 0;
        for (double x : v) {
            mean += x;
            m2 += x * x;
            m4 += x * x * x * x;
            tail += Math.abs(x) > 1.959964 ? 1 : 0;
        }
        mean /= n;
        m2 /= n;
        m4 /= n;
        // standard errors: mean 1/sqrt(n) = 0.0022, var sqrt(2/n) = 0.0032, 4th moment sqrt(96/n) = 0.022
        assertEquals(0, mean, 5 * 0.0022);
        assertEquals(1, m2, 5 * 0.0032);
        assertEquals(3, m4, 5 * 0.022);
        // P(|z| > 1.96) = 0.05, standard error sqrt(0.05 * 0.95 / n) = 0.00049
        assertEquals(0.05, tail / (double) n, 5 * 0.00049);
    }

    @Test
    void neighbouringPositionsAndStreamsAreUncorrelated() {
        int n = 50_000;
        RandomSource a = RandomSource.of(5).stream(1);
        RandomSource b = RandomSource.of(5).stream(2);
        double same = 0;
        double cross = 0;
        for (int i = 0; i < n; i++) {
            same += a.gaussian(i, 0) * a.gaussian(i, 1);
            cross += a.gaussian(i, 0) * b.gaussian(i, 0);
        }
        // correlation estimates have standard error 1/sqrt(n) = 0.0045
        assertEquals(0, same / n, 5 * 0.0045);
        assertEquals(0, cross / n, 5 * 0.0045);
        assertNotEquals(a.gaussian(0, 0), b.gaussian(0, 0));
    }

    @Test
    void uniformAndRademacherHaveTheRightLaw() {
        RandomSource rng = RandomSource.of(9);
        INDArray u = rng.uniform(DataType.DOUBLE, 0, 10_000, 2);
        INDArray r = rng.rademacher(DataType.FLOAT, 0, 10_000, 2);
        assertTrue(u.minNumber().doubleValue() > 0 && u.maxNumber().doubleValue() < 1);
        assertEquals(0.5, u.meanNumber().doubleValue(), 5 * Math.sqrt(1 / 12.0 / 20_000));
        assertEquals(0, r.meanNumber().doubleValue(), 5 / Math.sqrt(20_000));
        assertEquals(1.0, r.mul(r).meanNumber().doubleValue(), 0);
    }

    @Test
    void rejectsTooSmallOutput() {
        io.github.scoresde.core.testing.NdAssert.assertRejects(
                () -> RandomSource.of(1).fillGaussian(new float[3], 0, 2, 2), "out holds 3 values; need 4");
    }
}
