package io.github.scoresde.oracle;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.testing.NdAssert;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
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
