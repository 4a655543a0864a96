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

/** The fused kernels against ND4J's own ops, on both the vector path and the ND4J fallback. */
class KernelsTest {

    private static INDArray gaussian(long seed, DataType type, char order, long rows, long cols, double scale) {
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
     * The float32 exponential of the mixture kernels: the polynomial and its scaling by 2^n are
     * bit for bit those of a scalar replica with an exact 2^n (so no JIT tier can change them),
     * and within 3e-7 of e^x above the clamp at -87.
     */
    @Test
    void mixtureExponentialIsExactlyItsScalarFormula() {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int n = 4096 / lanes * lanes;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // every binade of the scaling, with points near the rounding boundaries of n
            x[i] = i % 3 == 0 ? -(float) ((i / 3 % 127 + 0.5) * Math.log(2)) : -100f * i / n;
        }
        x[0] = 0f;
        x[1] = -87f;
        x[2] = -200f;
        // in a fresh JVM the first call runs before the JIT compiles the kernel (the Vector API's
        // Java code), the last after 200 (compiled): both must give the replica's values
        float[] first = x.clone();
        VectorKernels.expNonPositiveInPlace(first, 0, n);
        float[] y = x.clone();
        for (int rep = 0; rep < 200; rep++) {
            y = x.clone();
            VectorKernels.expNonPositiveInPlace(y, 0, n);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(y[i], first[i], 0f, "x = " + x[i] + ": first call against compiled");
            float c = Math.max(x[i], -87f);
            float nv = c * VectorKernels.LOG2E + VectorKernels.ROUNDER - VectorKernels.ROUNDER;
            float r = Math.fma(-nv, VectorKernels.LN2_HI, c);
            r = Math.fma(-nv, VectorKernels.LN2_LO, r);
            float p = Math.fma(r, 1f / 720, 1f / 120);
            p = Math.fma(p, r, 1f / 24);
            p = Math.fma(p, r, 1f / 6);
            p = Math.fma(p, r, 0.5f);
            p = Math.fma(p, r, 1f);
            p = Math.fma(p, r, 1f);
            float expected = p * Math.scalb(1f, (int) nv);
            assertEquals(expected, y[i], 0f, "x = " + x[i]);
            if (x[i] >= -80) {
                double e = Math.exp(x[i]);
                assertEquals(e, y[i], 3e-7 * e, "x = " + x[i]);
            }
        }
    }

    @Test
    void vectorPathIsTakenUnderTheTestJvm() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector (pom.xml test.argLine); the
        // core module's second run ("nd4j-fallback") turns the kernels off to test the other path
        boolean off = "false".equals(System.getProperty("scoresde.vectorKernels"));
        assertEquals(!off, Kernels.vectorized());
    }

    /** ln p(x) of the perturbed mixture in plain double arithmetic (the test's truth). */
    private static double logDensity(double[] x, int d, int k, double[] meansT, double[] stdSq, double[] logW,
            double m, double s) {
        double max = Double.NEGATIVE_INFINITY;
        double[] lr = new double[k];
        for (int j = 0; j < k; j++) {
            double vk = m * m * stdSq[j] + s * s;
            double sq = 0;
            for (int q = 0; q < d; q++) {
                double diff = x[q] - m * meansT[q * k + j];
                sq += diff * diff;
            }
            lr[j] = logW[j] - 0.5 * d * Math.log(2 * Math.PI * vk) - sq / (2 * vk);
            max = Math.max(max, lr[j]);
        }
        double sum = 0;
        for (double l : lr) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }

    @Test
    void mixtureDerivativesMatchFiniteDifferencesOfTheLogDensity() {
        java.util.Random rnd = new java.util.Random(5);
        // K below, at and above a vector's lanes; rows 2 to 37: a partial last vector of rows and an odd last pair; d at and
        // above the lanes (the row-at-a-time kernel), with and without a partial coordinate block
        for (int[] dk : new int[][] {{2, 8}, {3, 6}, {9, 16}, {1, 12}, {2, 5}, {8, 3}, {11, 9}, {64, 16}}) {
            int d = dk[0];
            int k = dk[1];
            int rows = 37;
            double[] x = new double[rows * d];
            double[] v = new double[rows * d];
            double[] meansT = new double[d * k];
            double[] stdSq = new double[k];
            double[] logW = new double[k];
            double[] m = new double[rows];
            double[] s = new double[rows];
            for (int i = 0; i < x.length; i++) {
                x[i] = 2 * rnd.nextGaussian();
                v[i] = rnd.nextGaussian();
            }
            for (int j = 0; j < k; j++) {
                for (int q = 0; q < d; q++) {
                    meansT[q * k + j] = 2 * rnd.nextGaussian();
                }
                stdSq[j] = 0.1 + rnd.nextDouble();
                logW[j] = Math.log(1.0 / k);
            }
            for (int b = 0; b < rows; b++) {
                // per-row coefficients, a few rows sharing them as in a sampler step
                m[b] = b < 10 ? 0.8 : 0.2 + rnd.nextDouble();
                s[b] = b < 10 ? 0.3 : 0.05 + rnd.nextDouble();
            }
            double[] score = new double[rows * d];
            double[] hv = new double[rows * d];
            double[] lap = new double[rows];
            if (!Kernels.mixtureDerivatives(x, v, d, k, meansT, stdSq, logW, m, s, 2, rows, score, hv, lap, null)) {
                assertTrue(!Kernels.vectorized(), "declined with the vector path on");
                continue;
            }
            // the quadratic form alone (without H v, on its own path for d >= lanes) equals v . (H v)
            double[] score2 = new double[rows * d];
            double[] quad = new double[rows];
            assertTrue(Kernels.mixtureDerivatives(x, v, d, k, meansT, stdSq, logW, m, s, 2, rows, score2, null, null,
                    quad));
            for (int b = 2; b < rows; b++) {
                double vhv = 0;
                for (int q = 0; q < d; q++) {
                    vhv += v[b * d + q] * hv[b * d + q];
                    assertEquals(score[b * d + q], score2[b * d + q], 1e-12 * (1 + Math.abs(score[b * d + q])));
                }
                assertEquals(vhv, quad[b], 1e-9 * (1 + Math.abs(vhv)), "v . H v " + d + "x" + k + " row " + b);
            }
            assertEquals(0, quad[1]);
            double h = 1e-4;
            for (int b = 2; b < rows; b++) {
                double[] xb = java.util.Arrays.copyOfRange(x, b * d, (b + 1) * d);
                double trace = 0;
                for (int q = 0; q < d; q++) {
                    double[] up = xb.clone();
                    double[] down = xb.clone();
                    up[q] += h;
                    down[q] -= h;
                    double lu = logDensity(up, d, k, meansT, stdSq, logW, m[b], s[b]);
                    double l0 = logDensity(xb, d, k, meansT, stdSq, logW, m[b], s[b]);
                    double ld = logDensity(down, d, k, meansT, stdSq, logW, m[b], s[b]);
                    assertEquals((lu - ld) / (2 * h), score[b * d + q], 1e-6, "score " + d + "x" + k + " row " + b);
                    trace += (lu - 2 * l0 + ld) / (h * h);
                }
                // H v from second differences of the log-density (the kernel's score is under test)
                double e = 1e-3;
                for (int q = 0; q < d; q++) {
                    double acc = 0;
                    for (int r = 0; r < d; r++) {
                        double[] pp = xb.clone();
                        double[] pm = xb.clone();
                        double[] mp = xb.clone();
                        double[] mm = xb.clone();
                        pp[q] += e;
                        pp[r] += e;
                        pm[q] += e;
                        pm[r] -= e;
                        mp[q] -= e;
                        mp[r] += e;
                        mm[q] -= e;
                        mm[r] -= e;
                        double hqr = (logDensity(pp, d, k, meansT, stdSq, logW, m[b], s[b])
                                - logDensity(pm, d, k, meansT, stdSq, logW, m[b], s[b])
                                - logDensity(mp, d, k, meansT, stdSq, logW, m[b], s[b])
                                + logDensity(mm, d, k, meansT, stdSq, logW, m[b], s[b])) / (4 * e * e);
                        acc += hqr * v[b * d + r];
                    }
                    assertEquals(acc, hv[b * d + q], 1e-4 * (1 + Math.abs(acc)), "H v " + d + "x" + k + " row " + b);
                }
                assertEquals(trace, lap[b], 1e-3 * (1 + Math.abs(trace)), "Laplacian " + d + "x" + k + " row " + b);
            }
            assertEquals(0, score[d]); // rows before 'from' untouched
            assertEquals(0, lap[1]);
        }
    }

    /**
     * Components so far apart that most log-joints lie thousands of nats below a row's largest
     * (where the kernels raise the exponent to their floor): the score and the Laplacian equal
     * the closed forms computed with Math.exp in plain double arithmetic, including rows that sit
     * between two components and so have two responsibilities of comparable size.
     */
    @Test
    void farApartComponentsGiveTheClosedFormScoreAndLaplacian() {
        java.util.Random rnd = new java.util.Random(11);
        for (int[] dk : new int[][] {{2, 8}, {64, 16}, {9, 5}}) {
            int d = dk[0];
            int k = dk[1];
            int rows = 21;
            double[] meansT = new double[d * k];
            double[] stdSq = new double[k];
            double[] logW = new double[k];
            for (int j = 0; j < k; j++) {
                for (int q = 0; q < d; q++) {
                    meansT[q * k + j] = 40 * rnd.nextGaussian();
                }
                stdSq[j] = 0.01 + 0.01 * j;
                logW[j] = Math.log((j + 1.0) / (k * (k + 1) / 2.0));
            }
            double[] x = new double[rows * d];
            double[] m = new double[rows];
            double[] s = new double[rows];
            for (int b = 0; b < rows; b++) {
                m[b] = 0.9;
                s[b] = 0.1 + 0.02 * b;
                int j0 = b % k;
                int j1 = (b + 1) % k;
                // odd rows halfway between two components, even rows next to one
                double f = b % 2 == 1 ? 0.5 : 0.02;
                for (int q = 0; q < d; q++) {
                    x[b * d + q] = m[b] * ((1 - f) * meansT[q * k + j0] + f * meansT[q * k + j1])
                            + 0.05 * rnd.nextGaussian();
                }
            }
            double[] score = new double[rows * d];
            double[] lap = new double[rows];
            if (!Kernels.mixtureDerivatives(x, null, d, k, meansT, stdSq, logW, m, s, 0, rows, score, null, lap,
                    null)) {
                assertTrue(!Kernels.vectorized(), "declined with the vector path on");
                continue;
            }
            double farthest = 0;
            for (int b = 0; b < rows; b++) {
                double[] lr = new double[k];
                double[] u2 = new double[k];
                double[] vk = new double[k];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    vk[j] = m[b] * m[b] * stdSq[j] + s[b] * s[b];
                    double sq = 0;
                    for (int q = 0; q < d; q++) {
                        double diff = x[b * d + q] - m[b] * meansT[q * k + j];
                        sq += diff * diff;
                    }
                    u2[j] = sq / (vk[j] * vk[j]);
                    lr[j] = logW[j] - 0.5 * d * Math.log(2 * Math.PI * vk[j]) - sq / (2 * vk[j]);
                    max = Math.max(max, lr[j]);
                }
                double sum = 0;
                double[] r = new double[k];
                for (int j = 0; j < k; j++) {
                    r[j] = Math.exp(lr[j] - max);
                    sum += r[j];
                    farthest = Math.min(farthest, lr[j] - max);
                }
                double c = 0;
                double ru2 = 0;
                double s2 = 0;
                for (int j = 0; j < k; j++) {
                    r[j] /= sum;
                    c += r[j] / vk[j];
                    ru2 += r[j] * u2[j];
                }
                for (int q = 0; q < d; q++) {
                    double sq = 0;
                    for (int j = 0; j < k; j++) {
                        sq += r[j] * (m[b] * meansT[q * k + j] - x[b * d + q]) / vk[j];
                    }
                    s2 += sq * sq;
                    assertEquals(sq, score[b * d + q], 1e-9 * (1 + Math.abs(sq)), "score " + d + "x" + k + " row " + b);
                }
                double expected = ru2 - d * c - s2;
                assertEquals(expected, lap[b], 1e-9 * (1 + Math.abs(expected)), "Laplacian " + d + "x" + k + " row " + b);
            }
            assertTrue(farthest < -5000, "the test reaches the floor's regime: " + farthest);
        }
    }

    @Test
    void meanRowNormMatchesTheNormsOfTheRows() {
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
    void meansChangedInPlaceBetweenCallsGiveTheNewScore() {
        int d = 16;
        int k = 5;
        int rows = 7;
        java.util.Random rnd = new java.util.Random(9);
        double[] x = new double[rows * d];
        double[] meansT = new double[d * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < meansT.length; i++) {
            meansT[i] = rnd.nextGaussian();
        }
        double[] stdSq = {0.5, 0.6, 0.7, 0.8, 0.9};
        double[] logW = new double[k];
        java.util.Arrays.fill(logW, Math.log(1.0 / k));
        double[] m = new double[rows];
        double[] s = new double[rows];
        java.util.Arrays.fill(m, 0.9);
        java.util.Arrays.fill(s, 0.4);
        double[] first = new double[rows * d];
        if (!Kernels.mixtureDerivatives(x, null, d, k, meansT, stdSq, logW, m, s, 0, rows, first, null, null, null)) {
            return;
        }
        meansT[3] += 1.5;
        double[] changed = new double[rows * d];
        double[] fresh = new double[rows * d];
        Kernels.mixtureDerivatives(x, null, d, k, meansT, stdSq, logW, m, s, 0, rows, changed, null, null, null);
        Kernels.mixtureDerivatives(x, null, d, k, meansT.clone(), stdSq, logW, m, s, 0, rows, fresh, null, null, null);
        assertArrayEquals(fresh, changed);
        assertTrue(!java.util.Arrays.equals(first, changed), "the score must follow the changed means");
    }

    @Test
    void mixtureDerivativesRequireTheDirectionForHv() {
        if (!Kernels.vectorized()) {
            return;
        }
        double[] one = {0.5};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Kernels.mixtureDerivatives(
                new double[] {0}, null, 1, 1, one, one, new double[] {0}, one, one, 0, 1, new double[1],
                new double[1], null, null));
        assertTrue(e.getMessage().contains("v"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Kernels.mixtureDerivatives(new double[] {0}, null, 1, 1,
                one, one, new double[] {0}, one, one, 0, 1, new double[1], null, null, new double[1]));
        assertTrue(e.getMessage().contains("v"), e.getMessage());
    }

    @Test
    void linearCombinationAndScaledErrorMatchNd4jOps() {
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
    void biasSiluMatchesNd4jInEveryLayout() {
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
    void theRationalTanhOfTheSiluKernelIsAccurateOnTheWholeLine() {
        // in float32 arithmetic, as the kernel evaluates it (Horner in x^2, clamped argument)
        double worst = 0;
        for (int i = -400_000; i <= 400_000; i++) {
            float x = i * 3e-5f;
            float c = Math.max(-Kernels.TANH_CLAMP, Math.min(Kernels.TANH_CLAMP, x));
            float c2 = c * c;
            float[] a = Kernels.TANH_A;
            float[] b = Kernels.TANH_B;
            float num = a[6];
            for (int k = 5; k >= 0; k--) {
                num = Math.fma(c2, num, a[k]);
            }
            num *= c;
            float den = b[3];
            for (int k = 2; k >= 0; k--) {
                den = Math.fma(c2, den, b[k]);
            }
            worst = Math.max(worst, Math.abs(num / den - Math.tanh(x)));
        }
        assertTrue(worst < 4e-7, "max abs error of tanh " + worst);
    }

    @Test
    void biasSiluOnAViewWithAnOffset() {
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
    void addBiasMatchesABroadcast() {
        for (char order : new char[] {'f', 'c'}) {
            INDArray z = gaussian(7, DataType.FLOAT, order, 45, 6, 1.0);
            INDArray b = gaussian(8, DataType.FLOAT, 'c', 1, 6, 1.0);
            INDArray expected = z.addRowVector(b);
            Kernels.addBias(z, b.reshape(6));
            assertClose(expected, z, 1e-7, order + " bias");
        }
    }

    @Test
    void backwardMultipliesAndSumsColumns() {
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
    void adamStepFollowsTheFormula() {
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
        assertTrue(Kernels.adam(g, m, v, lr, b1, b2, eps, k));
        assertClose(m1, m, 1e-6, "first moment");
        assertClose(v1, v, 1e-6, "second moment");
        assertClose(update, g, 1e-5, "update");
        // float64 is left to DL4J's own step
        assertTrue(!Kernels.adam(gd, m1, v1, lr, b1, b2, eps, k));
    }

    @Test
    void norm2OfAllValues() {
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
    void movingAverageFoldsInTheParameters() {
        INDArray avg = gaussian(9, DataType.FLOAT, 'c', 1, 1001, 1.0);
        INDArray p = gaussian(10, DataType.FLOAT, 'c', 1, 1001, 1.0);
        INDArray expected = avg.castTo(DataType.DOUBLE).mul(0.9).add(p.castTo(DataType.DOUBLE).mul(0.1));
        Kernels.movingAverage(avg, p, 0.9);
        assertClose(expected, avg, 1e-6, "moving average");
        assertThrows(IllegalArgumentException.class, () -> Kernels.movingAverage(avg, Nd4j.zeros(DataType.FLOAT, 3), 0.5));
    }

    @Test
    void sinCosMatchesMathToFloatRounding() {
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
    void nanPropagates() {
        INDArray z = Nd4j.zeros(DataType.FLOAT, 20, 3).dup('f');
        z.putScalar(5, 1, Float.NaN);
        INDArray out = z.dup('f');
        Kernels.biasSilu(z, Nd4j.zeros(DataType.FLOAT, 3), out, null);
        assertTrue(Float.isNaN(out.getFloat(5, 1)));
        assertEquals(0f, out.getFloat(4, 1));
    }

    @Test
    void rejectsMismatchedShapes() {
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
