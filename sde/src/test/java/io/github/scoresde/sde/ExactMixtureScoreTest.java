package io.github.scoresde.sde;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.scoresde.core.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.testing.NdAssert;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The oracle against finite differences of the exact log-density, in float64. */
class ExactMixtureScoreTest {

    static Stream<Arguments> cases() {
        GaussianMixture eight = GaussianMixture.eightGaussians();
        GaussianMixture uneven = new GaussianMixture(new double[] {1, 3}, new double[][] {{1, 0, -1}, {-1, 0.5, 0}},
                new double[] {0.3, 0.6});
        return Stream.of(Arguments.of(eight, new VpSde()), Arguments.of(eight, new SubVpSde()),
                Arguments.of(eight, new VeSde()), Arguments.of(uneven, new VpSde()),
                Arguments.of(uneven, new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION)));
    }

    /** Points spread around the perturbed data at several times, and the times themselves. */
    private static INDArray[] batch(GaussianMixture mix, Sde sde) {
        double[] times = {0, 0.01, 0.05, 0.2, 0.5, 0.9, 1.0};
        int n = times.length;
        INDArray x0 = mix.sample(n, RandomSource.of(5)).castTo(DataType.DOUBLE);
        INDArray t = Nd4j.createFromArray(times);
        INDArray z = RandomSource.of(6).gaussian(DataType.DOUBLE, 0, n, mix.dimension());
        INDArray x = sde.marginalMean(x0, t).addi(io.github.scoresde.core.Broadcast.mul(z, sde.marginalStd(t)));
        return new INDArray[] {x, t};
    }

    @ParameterizedTest
    @MethodSource("cases")
    void scoreIsTheGradientOfTheExactLogDensity(GaussianMixture mix, Sde sde) {
        ExactMixtureScore oracle = new ExactMixtureScore(mix, sde);
        INDArray[] xt = batch(mix, sde);
        INDArray fd = NdAssert.gradient(p -> oracle.logDensity(p, xt[1]), xt[0], 1e-6);
        assertClose(fd, oracle.score(xt[0], xt[1]), 1e-5, 1e-5);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void jacobianProductsAndDivergenceMatchFiniteDifferencesOfTheScore(GaussianMixture mix, Sde sde) {
        ExactMixtureScore oracle = new ExactMixtureScore(mix, sde);
        INDArray[] xt = batch(mix, sde);
        INDArray v = RandomSource.of(9).gaussian(DataType.DOUBLE, 0, (int) xt[0].size(0), mix.dimension());
        double h = 1e-6;
        INDArray fd = NdAssert.directional(p -> oracle.score(p, xt[1]), xt[0], v, h);
        INDArray jvp = oracle.jacobianVectorProduct(xt[0], xt[1], v);
        double scale = fd.norm2Number().doubleValue() / Math.sqrt(fd.length());
        assertClose(fd, jvp, 1e-5, 1e-6 * Math.max(1, scale));
        assertClose(jvp, oracle.vectorJacobianProduct(xt[0], xt[1], v), 0, 0);
        INDArray[] both = oracle.scoreAndVectorJacobianProduct(xt[0], xt[1], v);
        assertClose(oracle.score(xt[0], xt[1]), both[0], 0, 0);
        assertClose(jvp, both[1], 0, 0);
        double[] trace = new double[(int) xt[0].size(0)];
        for (int j = 0; j < mix.dimension(); j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, xt[0].shape());
            e.getColumn(j).assign(1);
            INDArray col = NdAssert.directional(p -> oracle.score(p, xt[1]), xt[0], e, h);
            for (int b = 0; b < trace.length; b++) {
                trace[b] += col.getDouble(b, j);
            }
        }
        double[] div = oracle.divergence(xt[0], xt[1]).toDoubleVector();
        for (int b = 0; b < trace.length; b++) {
            assertEquals(trace[b], div[b], 1e-5 * Math.max(1, Math.abs(trace[b])), "divergence of example " + b);
        }
    }

    @Test
    void atTheHorizonTheVpScoreIsNearlyThePriorScore() {
        ExactMixtureScore oracle = new ExactMixtureScore(GaussianMixture.eightGaussians(), new VpSde());
        INDArray x = Nd4j.createFromArray(new double[][] {{0.3, -1.2}, {2, 0.5}});
        INDArray s = oracle.score(x, Nd4j.createFromArray(1.0, 1.0));
        // m(1)^2 |mu|^2 ~ 2e-4: p_1 is N(0, I) up to that
        assertClose(x.neg(), s, 0, 0.02);
    }

    @Test
    void responsibilitiesPickTheNearestComponentAtSmallNoise() {
        GaussianMixture eight = GaussianMixture.eightGaussians();
        ExactMixtureScore oracle = new ExactMixtureScore(eight, new VpSde());
        INDArray x = Nd4j.createFromArray(new float[][] {{2, 0}, {0, -2}});
        INDArray r = oracle.responsibilities(x, Nd4j.createFromArray(0.001f, 0.001f));
        assertEquals(DataType.FLOAT, r.dataType());
        assertEquals(1.0, r.getDouble(0, 0), 1e-6);
        assertEquals(1.0, r.getDouble(1, 6), 1e-6);
        INDArray flat = oracle.responsibilities(x, Nd4j.createFromArray(1f, 1f));
        assertEquals(1.0 / 8, flat.getDouble(0, 3), 0.01);
    }
    /**
     * The score written as a x + b s beside the divergence or v . J v (the likelihood's drift, from
     * the kernel's scratch without a score array) equals the score and divergence combined
     * afterwards: both kernels (rows across lanes for d = 2, one row at a time for gmm-64), float32
     * and float64 points, and an out of the other float type.
     */
    @Test
    void theAffineScoreFormsAreTheScoreCombinedAfterwards() {
        Sde sde = new VpSde();
        for (GaussianMixture mix : new GaussianMixture[] {GaussianMixture.eightGaussians(), GaussianMixture.gmm64()}) {
            ExactMixtureScore oracle = new ExactMixtureScore(mix, sde);
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                int n = 37;
                INDArray x = mix.sample(n, RandomSource.of(31)).castTo(type);
                INDArray t = Nd4j.valueArrayOf(new long[] {n}, 0.3, type);
                INDArray v = RandomSource.of(32).rademacher(type, 0, n, mix.dimension());
                double a = -1.7;
                double b = -4.25;
                INDArray[] sd = oracle.scoreAndDivergence(x, t);
                INDArray expected = x.castTo(DataType.DOUBLE).mul(a).addi(sd[0].castTo(DataType.DOUBLE).mul(b));
                double tol = type == DataType.DOUBLE ? 1e-10 : 1e-4;
                for (DataType outType : new DataType[] {type, type == DataType.DOUBLE ? DataType.FLOAT : DataType.DOUBLE}) {
                    double outTol = outType == DataType.FLOAT ? Math.max(tol, 1e-4) : tol;
                    INDArray out = Nd4j.create(outType, x.shape());
                    INDArray div = oracle.affineScoreAndDivergence(x, t, a, b, out);
                    assertClose(expected, out.castTo(DataType.DOUBLE), outTol, outTol);
                    assertClose(sd[1].castTo(DataType.DOUBLE), div.castTo(DataType.DOUBLE), tol, tol);
                    INDArray outQ = Nd4j.create(outType, x.shape());
                    INDArray q = oracle.affineScoreAndJacobianQuadraticForm(x, t, v, a, b, outQ);
                    assertClose(expected, outQ.castTo(DataType.DOUBLE), outTol, outTol);
                    assertClose(oracle.jacobianQuadraticForm(x, t, v).castTo(DataType.DOUBLE),
                            q.castTo(DataType.DOUBLE), tol, tol);
                    // at one shared time given as a scalar (the time the array holds): the same values
                    double shared = t.getDouble(0);
                    INDArray outShared = Nd4j.create(outType, x.shape());
                    assertEquals(div, oracle.affineScoreAndDivergence(x, shared, a, b, outShared));
                    assertEquals(out, outShared);
                    INDArray outSharedQ = Nd4j.create(outType, x.shape());
                    assertEquals(q, oracle.affineScoreAndJacobianQuadraticForm(x, shared, v, a, b, outSharedQ));
                    assertEquals(outQ, outSharedQ);
                    // and through a probe prepared once (the Hutchinson solve's)
                    INDArray outFixed = Nd4j.create(outType, x.shape());
                    assertEquals(q, oracle.fixedProbe(v).affineScoreAndJacobianQuadraticForm(x, shared, a, b, outFixed));
                    assertEquals(outQ, outFixed);
                }
                NdAssert.assertRejects(() -> oracle.affineScoreAndDivergence(x, 1.5, a, b, x.ulike()),
                        "t must lie in [0.0, 1.0]; got 1.5");
                NdAssert.assertRejects(() -> oracle.affineScoreAndDivergence(x, t, a, b, Nd4j.create(type, n, 3)),
                        "out must have the shape of x");
            }
        }
    }

    @Test
    void theScalarTimeFormIsTheArrayFormWithOneTime() {
        for (Sde sde : new Sde[] {new VpSde(), new VeSde()}) {
            ExactMixtureScore oracle = new ExactMixtureScore(GaussianMixture.eightGaussians(), sde);
            for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                INDArray x = RandomSource.of(3).gaussian(type, 0, 37, 2).muli(2);
                // times a float holds exactly: the same coefficients, so the same values
                for (double t : new double[] {0x1p-10, 0.125, 0.5, 1.0}) {
                    INDArray times = Nd4j.valueArrayOf(new long[] {37}, t, type);
                    INDArray scalar = oracle.score(x, t);
                    assertEquals(type, scalar.dataType());
                    org.junit.jupiter.api.Assertions.assertArrayEquals(
                            io.github.scoresde.core.NdArrays.toDoubles(oracle.score(x, times)),
                            io.github.scoresde.core.NdArrays.toDoubles(scalar));
                }
            }
            INDArray x = RandomSource.of(3).gaussian(DataType.FLOAT, 0, 4, 2);
            for (double bad : new double[] {-0.01, 1.01, Double.NaN}) {
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> oracle.score(x, bad));
            }
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> oracle.score(Nd4j.zeros(DataType.FLOAT, 4, 3), 0.5));
        }
    }
}
