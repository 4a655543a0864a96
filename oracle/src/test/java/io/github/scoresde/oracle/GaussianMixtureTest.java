package io.github.scoresde.oracle;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.testing.NdAssert;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GaussianMixtureTest {
    /** An unequal mixture with unequal stds, the hard case for the closed forms. */
    private static GaussianMixture uneven() {
        return new GaussianMixture(new double[] {0.2, 0.5, 0.3},
                new double[][] {{0, 1, -1}, {1.5, -0.5, 0.3}, {-1, -1, 0.8}}, new double[] {0.4, 0.7, 0.5});
    }

    private static INDArray points(int n, int d, long seed) {
        return RandomSource.of(seed).gaussian(DataType.DOUBLE, 0, n, d);
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void canonicalMixturesHaveTheBenchmarkCentres() {
        GaussianMixture eight = GaussianMixture.eightGaussians();
        assertEquals(8, eight.components());
        assertEquals(2, eight.dimension());
        assertClose(new double[] {Math.sqrt(2), Math.sqrt(2)}, eight.mean(1), 1e-12, 1e-12);
        assertEquals(0.1, eight.std(3));
        GaussianMixture g = GaussianMixture.gmm64();
        assertEquals(16, g.components());
        assertEquals(64, g.dimension());
        assertEquals(2 * Math.sqrt(2) * Math.cos(0.7 * 3 * 5 + 2), g.mean(2)[4], 1e-12);
        double closest = Double.MAX_VALUE;
        for (int a = 0; a < 16; a++) {
            for (int b = a + 1; b < 16; b++) {
                double sq = 0;
                for (int j = 0; j < 64; j++) {
                    sq += Math.pow(g.mean(a)[j] - g.mean(b)[j], 2);
                }
                closest = Math.min(closest, Math.sqrt(sq));
            }
        }
        assertEquals(18.9, closest, 0.05); // BENCHMARKS.md: "The closest two centres are 18.9 apart."
    }

    @Test
    void singleComponentLogDensityMatchesTheGaussianFormula() {
        GaussianMixture one = new GaussianMixture(new double[] {1}, new double[][] {{1, -2}}, new double[] {0.5});
        INDArray x = Nd4j.createFromArray(new double[][] {{1, -2}, {0, 0}, {3, 1}});
        double[] lp = one.logDensity(x);
        for (int b = 0; b < 3; b++) {
            double dx = x.getDouble(b, 0) - 1;
            double dy = x.getDouble(b, 1) + 2;
            double expected = -Math.log(2 * Math.PI * 0.25) - (dx * dx + dy * dy) / (2 * 0.25);
            assertEquals(expected, lp[b], 1e-12);
        }
    }

    @Test
    void samplesFollowTheWeightsAndComponentMoments() {
        GaussianMixture m = uneven();
        int n = 40_000;
        GaussianMixture.Draw draw = m.sampleLabelled(n, RandomSource.of(4), 0);
        int[] counts = new int[3];
        double[][] sum = new double[3][3];
        double[] sq = new double[3];
        for (int i = 0; i < n; i++) {
            int k = draw.labels()[i];
            counts[k]++;
            for (int j = 0; j < 3; j++) {
                double v = draw.x().getDouble(i, j);
                sum[k][j] += v;
                sq[k] += (v - m.mean(k)[j]) * (v - m.mean(k)[j]);
            }
        }
        for (int k = 0; k < 3; k++) {
            double frac = counts[k] / (double) n;
            // binomial standard error <= 0.0025
            assertEquals(m.weight(k), frac, 5 * 0.0025, "weight of " + k);
            for (int j = 0; j < 3; j++) {
                assertEquals(m.mean(k)[j], sum[k][j] / counts[k], 5 * m.std(k) / Math.sqrt(counts[k]));
            }
            double var = sq[k] / (3.0 * counts[k]);
            assertEquals(m.std(k) * m.std(k), var, 5 * m.std(k) * m.std(k) * Math.sqrt(2.0 / (3 * counts[k])));
        }
        // draws are keyed by index: a later chunk equals the tail of one big draw
        GaussianMixture.Draw tail = m.sampleLabelled(10, RandomSource.of(4), 100);
        assertEquals(draw.x().getRow(105), tail.x().getRow(5));
    }

    @Test
    void perturbedScoreMatchesFiniteDifferencesOfLogDensity() {
        GaussianMixture m = uneven();
        INDArray x = points(6, 3, 1).mul(1.5);
        double[] mc = {1, 0.9, 0.5, 0.2, 1, 0.7};
        double[] s = {0, 0.1, 0.6, 0.98, 0.3, 2.0};
        INDArray fd = NdAssert.gradient(p -> m.perturbedLogDensity(p, mc, s), x, 1e-5);
        assertClose(fd, m.score(x, mc, s), 1e-6, 1e-7);
    }

    @Test
    void hessianVectorProductMatchesFiniteDifferencesOfScore() {
        GaussianMixture m = uneven();
        INDArray x = points(5, 3, 2);
        INDArray v = points(5, 3, 3);
        double[] mc = {1, 0.8, 0.4, 0.9, 0.1};
        double[] s = {0, 0.2, 0.9, 0.5, 1};
        INDArray fd = NdAssert.directional(p -> m.score(p, mc, s), x, v, 1e-5);
        assertClose(fd, m.hessianVectorProduct(x, mc, s, v), 1e-6, 1e-7);
    }

    /**
     * v . H v per example, computed without forming H v (the kernel's small-d and row paths, and the
     * ND4J path above the kernel's dimension), equals the dot product of v with the Hessian-vector
     * product to 1e-9 relative (1e-6 for float32 points, whose H v is rounded), with the same score.
     */
    @Test
    void hessianQuadraticFormIsTheDotProductOfVWithHv() {
        double[][] wide = new double[3][65];
        for (int k = 0; k < 3; k++) {
            for (int j = 0; j < 65; j++) {
                wide[k][j] = Math.sin(k + 0.3 * j);
            }
        }
        GaussianMixture above = new GaussianMixture(new double[] {1, 2, 3}, wide, new double[] {0.5, 0.8, 1.1});
        for (GaussianMixture m : new GaussianMixture[] {uneven(), GaussianMixture.eightGaussians(),
                GaussianMixture.gmm64(), above}) {
            int d = m.dimension();
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                INDArray x = points(13, d, 7).mul(2).castTo(type);
                INDArray v = RandomSource.of(8).rademacher(type, 0, 13, d);
                double[] mc = new double[13];
                double[] sc = new double[13];
                for (int b = 0; b < 13; b++) {
                    mc[b] = b < 6 ? 0.9 : 0.3 + 0.05 * b;
                    sc[b] = b < 6 ? 0.2 : 0.1 + 0.07 * b;
                }
                INDArray[] both = m.scoreAndHessianVectorProduct(x, mc, sc, v);
                GaussianMixture.ScoreAndQuadraticForm f = m.scoreAndHessianQuadraticForm(x, mc, sc, v);
                double[] hv = NdArrays.toDoubles(both[1]);
                double[] vv = NdArrays.toDoubles(v);
                assertEquals(13, f.quadraticForm().length);
                for (int b = 0; b < 13; b++) {
                    double expected = 0;
                    for (int q = 0; q < d; q++) {
                        expected += vv[b * d + q] * hv[b * d + q];
                    }
                    // float32 points: H v comes back rounded to float32, the form in float64
                    double tol = type == DataType.DOUBLE ? 1e-9 : 1e-6;
                    assertEquals(expected, f.quadraticForm()[b], tol * (1 + Math.abs(expected)),
                            "d=" + d + " " + type + " row " + b);
                }
                assertEquals(type, f.score().dataType());
                assertClose(both[0], f.score(), 1e-12, 1e-12);
            }
        }
        GaussianMixture m = uneven();
        assertRejects(() -> m.scoreAndHessianQuadraticForm(Nd4j.zeros(DataType.DOUBLE, 2, 3), fill(2, 1), fill(2, 0),
                Nd4j.zeros(DataType.DOUBLE, 2, 2)), "v must have the shape of x");
        assertRejects(() -> m.scoreAndHessianQuadraticForm(Nd4j.zeros(DataType.DOUBLE, 2, 3), fill(2, 1), fill(2, 0),
                null), "v");
    }

    /**
     * The shared-coefficient forms (one (m, s) for the batch, from the thread's reused arrays) equal
     * the forms with constant per-example arrays, value for value, as (m, s) and the batch change
     * from call to call: the reused arrays are refilled, never stale. Both kernels, and the row of
     * the score alone.
     */
    @Test
    void sharedCoefficientFormsAreTheArrayFormsWithConstantArrays() {
        for (GaussianMixture m : new GaussianMixture[] {GaussianMixture.eightGaussians(), GaussianMixture.gmm64()}) {
            int d = m.dimension();
            double[][] cases = {{0.9, 0.3}, {0.9, 0.3}, {0.5, 0.3}, {0.5, 0.8}, {1.0, 0.0}, {-0.0, 1.2}};
            int[] batches = {11, 11, 11, 7, 7, 16};
            for (int c = 0; c < cases.length; c++) {
                int n = batches[c];
                double mc = cases[c][0];
                double sc = cases[c][1];
                INDArray x = points(n, d, 20 + c).mul(2);
                double[] ms = fill(n, mc);
                double[] ss = fill(n, sc);
                assertEquals(m.score(x, ms, ss), m.score(x, mc, sc));
            }
        }
        assertRejects(() -> uneven().score(Nd4j.zeros(DataType.DOUBLE, 2, 3), Double.NaN, 1), "m must be finite");
    }

    @Test
    void laplacianIsTheTraceOfTheHessian() {
        GaussianMixture m = uneven();
        INDArray x = points(4, 3, 5);
        double[] mc = {1, 0.6, 0.3, 0.95};
        double[] s = {0.05, 0.7, 0.95, 0.2};
        double[] trace = new double[4];
        for (int j = 0; j < 3; j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, 4, 3);
            e.getColumn(j).assign(1);
            INDArray col = NdAssert.directional(p -> m.score(p, mc, s), x, e, 1e-5);
            for (int b = 0; b < 4; b++) {
                trace[b] += col.getDouble(b, j);
            }
        }
        assertClose(trace, m.laplacian(x, mc, s), 1e-6, 1e-7);
    }

    @Test
    void responsibilitiesArePosteriorsThatSumToOne() {
        GaussianMixture m = uneven();
        INDArray x = points(3, 3, 6);
        double[] mc = {1, 0.5, 0.9};
        double[] s = {0.1, 0.8, 0.4};
        INDArray r = m.responsibilities(x, mc, s);
        assertClose(new double[] {1, 1, 1}, r.sum(1).toDoubleVector(), 1e-12, 1e-12);
        // Bayes by hand for example 1, from single-component perturbed densities
        double[] joint = new double[3];
        double total = 0;
        for (int k = 0; k < 3; k++) {
            GaussianMixture comp = new GaussianMixture(new double[] {1}, new double[][] {m.mean(k)},
                    new double[] {m.std(k)});
            joint[k] = m.weight(k) * Math.exp(comp.perturbedLogDensity(x.getRow(1, true), new double[] {0.5},
                    new double[] {0.8})[0]);
            total += joint[k];
        }
        for (int k = 0; k < 3; k++) {
            assertEquals(joint[k] / total, r.getDouble(1, k), 1e-12);
        }
    }

    @Test
    void float32ScoreAgreesWithFloat64() {
        GaussianMixture g = GaussianMixture.gmm64();
        INDArray x = g.sample(64, RandomSource.of(2)).castTo(DataType.DOUBLE).muli(0.8);
        double[] mc = fill(64, 0.8);
        double[] s = fill(64, 0.6);
        INDArray s64 = g.score(x, mc, s);
        INDArray s32 = g.score(x.castTo(DataType.FLOAT), mc, s);
        assertEquals(DataType.FLOAT, s32.dataType());
        assertClose(s64, s32.castTo(DataType.DOUBLE), 1e-3, 1e-3);
    }

    /**
     * The float32 score (computed in float32 arithmetic on the vectorised path) agrees with the
     * float64 one to a few float32 ulps of the score's scale, over near-data (s = 0.005) to
     * VE-like (s = 50) noise, tail points and a batch that leaves a partial vector of rows.
     */
    @Test
    void float32ScoreIsWithinFloatPrecisionOfFloat64AcrossNoiseLevels() {
        for (GaussianMixture g : new GaussianMixture[] {GaussianMixture.eightGaussians(), uneven(),
                GaussianMixture.gmm64()}) {
            int n = 37;
            int d = g.dimension();
            double[] mc = new double[n];
            double[] s = new double[n];
            double[] levels = {0.005, 0.05, 0.3, 1, 5, 50};
            for (int b = 0; b < n; b++) {
                s[b] = levels[b % levels.length];
                mc[b] = 1 / Math.sqrt(1 + s[b] * s[b]);
            }
            // points near the data and in the tails (scaled by up to 4 sigma of the noise)
            INDArray x = g.sample(n, RandomSource.of(9)).castTo(DataType.DOUBLE);
            INDArray z = points(n, d, 10);
            for (int b = 0; b < n; b++) {
                x.getRow(b).muli(mc[b]).addi(z.getRow(b).mul(s[b] * (1 + b % 4)));
            }
            // round x to float32 first, so both paths see the same points
            INDArray xf = x.castTo(DataType.FLOAT);
            INDArray s64 = g.score(xf.castTo(DataType.DOUBLE), mc, s);
            INDArray s32 = g.score(xf, mc, s);
            assertEquals(DataType.FLOAT, s32.dataType());
            for (int b = 0; b < n; b++) {
                // the score's terms are of size |x - m mu_j| / v_j: its float32 rounding scale
                double v = mc[b] * mc[b] * Math.pow(g.std(0), 2) + s[b] * s[b];
                for (int j = 1; j < g.components(); j++) {
                    v = Math.min(v, mc[b] * mc[b] * Math.pow(g.std(j), 2) + s[b] * s[b]);
                }
                double scale = (xf.getRow(b).norm2Number().doubleValue() + 10 * mc[b]) / v;
                for (int q = 0; q < d; q++) {
                    double err = Math.abs(s32.getDouble(b, q) - s64.getDouble(b, q));
                    assertTrue(err <= 1e-6 * scale + 1e-6 * Math.abs(s64.getDouble(b, q)),
                            "row " + b + " coordinate " + q + " (s = " + s[b] + "): float32 " + s32.getDouble(b, q)
                                    + " vs float64 " + s64.getDouble(b, q) + ", error " + err + ", scale " + scale);
                }
            }
        }
    }

    @Test
    void sharedCoefficientsGiveThePerExampleScore() {
        for (GaussianMixture g : new GaussianMixture[] {GaussianMixture.eightGaussians(), uneven()}) {
            for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                INDArray x = points(37, g.dimension(), 12).castTo(type);
                INDArray perExample = g.score(x, fill(37, 0.7), fill(37, 0.4));
                assertEquals(perExample, g.score(x, 0.7, 0.4), type.toString());
            }
        }
        assertRejects(() -> uneven().score(points(2, 3, 1), 1, -0.5), "s must be non-negative", "-0.5");
    }

    @Test
    void perturbedMixtureMatchesPerturbedDensity() {
        GaussianMixture m = uneven();
        INDArray x = points(5, 3, 8);
        double[] direct = m.perturbed(0.7, 0.4).logDensity(x);
        assertClose(direct, m.perturbedLogDensity(x, fill(5, 0.7), fill(5, 0.4)), 1e-12, 1e-12);
    }

    @Test
    void conditionalIsBayesRuleOnTheObservedCoordinates() {
        GaussianMixture m = uneven();
        int[] obs = {0, 2};
        double[] y = {0.5, -0.3};
        GaussianMixture c = m.conditional(obs, y);
        assertEquals(1, c.dimension());
        // p(x1 | x0, x2) = p(x0, x1, x2) / p(x0, x2): check the ratio at two x1 values
        double[] x1 = {-0.7, 1.2};
        INDArray full = Nd4j.createFromArray(new double[][] {{0.5, x1[0], -0.3}, {0.5, x1[1], -0.3}});
        double[] lj = m.logDensity(full);
        double[] lc = c.logDensity(Nd4j.createFromArray(new double[][] {{x1[0]}, {x1[1]}}));
        assertEquals(lj[0] - lj[1], lc[0] - lc[1], 1e-12);
    }

    @Test
    void rejectsBadInputWithMessagesNamingTheProblem() {
        assertRejects(() -> new GaussianMixture(new double[] {1, -1}, new double[][] {{0}, {1}}, new double[] {1, 1}),
                "weights[1]", "-1.0");
        assertRejects(() -> new GaussianMixture(new double[] {1}, new double[][] {{0}}, new double[] {0}),
                "stds[0]", "0.0");
        assertRejects(() -> new GaussianMixture(new double[] {1, 1}, new double[][] {{0}}, new double[] {1, 1}),
                "one entry per component", "2, 1 and 2");
        assertRejects(() -> new GaussianMixture(new double[] {1}, new double[][] {{Double.NaN}}, new double[] {1}),
                "means[0][0]", "NaN");
        GaussianMixture m = uneven();
        assertRejects(() -> m.logDensity(Nd4j.zeros(DataType.DOUBLE, 4, 2)), "x must have shape [batch, 3]",
                "[4, 2]");
        assertRejects(() -> m.score(Nd4j.zeros(DataType.DOUBLE, 2, 3), new double[] {1, 1}, new double[] {0, -1}),
                "s must be non-negative", "-1.0", "index 1");
        assertRejects(() -> m.score(Nd4j.zeros(DataType.DOUBLE, 2, 3), new double[] {1}, new double[] {0}),
                "one value per example (2)");
        assertRejects(() -> m.sample(0, RandomSource.of(1)), "n must be positive", "0");
        assertRejects(() -> m.conditional(new int[] {0, 1, 2}, new double[] {0, 0, 0}), "at least one coordinate");
        assertRejects(() -> m.conditional(new int[] {3}, new double[] {0}), "observed[0]", "3");
        assertRejects(() -> m.hessianVectorProduct(Nd4j.zeros(DataType.DOUBLE, 2, 3), fill(2, 1), fill(2, 0),
                Nd4j.zeros(DataType.DOUBLE, 2, 2)), "v must have the shape of x");
        assertTrue(m.toString().contains("K=3"));
    }
}
