package io.github.scoresde.sde;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SdeTest {

    static Stream<Arguments> sdes() {
        return Stream.of(Arguments.of(new VpSde()), Arguments.of(new SubVpSde()), Arguments.of(new VeSde()),
                Arguments.of(new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION)));
    }

    private static double initialVariance(Sde sde) {
        return sde instanceof VeSde ve && ve.kernel() == VeSde.Kernel.SIGMA_APPROXIMATION
                ? ve.sigmaMin() * ve.sigmaMin() : 0;
    }

    @Test
    void marginalsMatchTheClosedFormsOfMathMd() {
        VpSde vp = new VpSde();
        SubVpSde sub = new SubVpSde();
        VeSde ve = new VeSde();
        for (double t : new double[] {0, 1e-3, 0.1, 0.5, 0.9, 1}) {
            double bigB = 0.1 * t + t * t * (20 - 0.1) / 2;
            assertEquals(Math.exp(-bigB / 2), vp.meanCoefficient(t), 1e-14);
            assertEquals(Math.sqrt(1 - Math.exp(-bigB)), vp.marginalStd(t), 1e-14);
            assertEquals(Math.exp(-bigB / 2), sub.meanCoefficient(t), 1e-14);
            assertEquals(1 - Math.exp(-bigB), sub.marginalStd(t), 1e-14);
            assertEquals(Math.sqrt(0.1 + t * (20 - 0.1)) , vp.diffusion(t), 1e-14);
            assertEquals(Math.sqrt((0.1 + t * 19.9) * (1 - Math.exp(-2 * bigB))), sub.diffusion(t), 1e-14);
            double sigma = 0.01 * Math.pow(1000, t);
            assertEquals(sigma, ve.sigma(t), 1e-12 * sigma);
            assertEquals(Math.sqrt(sigma * sigma - 1e-4), ve.marginalStd(t), 1e-12);
            assertEquals(sigma * Math.sqrt(2 * Math.log(1000)), ve.diffusion(t), 1e-12 * sigma);
            assertEquals(1, ve.meanCoefficient(t));
        }
    }

    /**
     * The moments of a linear SDE solve dm/dt = a(t) m and dV/dt = 2 a(t) V + g(t)^2: integrating
     * them with RK4 from the drift and diffusion alone must reproduce m(t) and s(t)^2, which ties
     * g(t) to s(t) for every SDE.
     */
    @ParameterizedTest
    @MethodSource("sdes")
    void marginalsSolveTheMomentEquations(Sde sde) {
        int steps = 20_000;
        double h = sde.horizon() / steps;
        double m = 1;
        double v = initialVariance(sde);
        for (int i = 0; i < steps; i++) {
            double t = i * h;
            double[] k1 = moments(sde, t, m, v);
            double[] k2 = moments(sde, t + h / 2, m + h / 2 * k1[0], v + h / 2 * k1[1]);
            double[] k3 = moments(sde, t + h / 2, m + h / 2 * k2[0], v + h / 2 * k2[1]);
            double[] k4 = moments(sde, Math.min(t + h, 1), m + h * k3[0], v + h * k3[1]);
            m += h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
            v += h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
            double tn = (i + 1) * h;
            if ((i + 1) % 2000 == 0) {
                double s = sde.marginalStd(tn);
                assertEquals(sde.meanCoefficient(tn), m, 1e-9 * Math.max(1, m), "m at t = " + tn);
                assertEquals(s * s, v, 1e-8 * Math.max(1, s * s), "s^2 at t = " + tn);
            }
        }
    }

    private static double[] moments(Sde sde, double t, double m, double v) {
        double a = sde.driftCoefficient(t);
        double g = sde.diffusion(t);
        return new double[] {a * m, 2 * a * v + g * g};
    }

    /**
     * A fine Euler-Maruyama simulation of the forward SDE (1000 steps, 20,000 paths from a fixed
     * x0, seed 42): the sample mean and variance at t = 0.1, 0.5 and 1 match m(t) x0 and s(t)^2
     * within five standard errors plus 2% for the discretisation.
     */
    @ParameterizedTest
    @MethodSource("sdes")
    void marginalsMatchAnEulerMaruyamaSimulation(Sde sde) {
        int n = 20_000;
        int steps = 1000;
        double[] x0 = {1.5, -0.5};
        double dt = sde.horizon() / steps;
        INDArray x = Nd4j.createFromArray(new double[][] {x0}).repeat(0, n).castTo(DataType.DOUBLE);
        double sd0 = Math.sqrt(initialVariance(sde));
        RandomSource rng = RandomSource.of(42);
        if (sd0 > 0) {
            x.addi(rng.stream(-1).gaussian(DataType.DOUBLE, 0, n, 2).muli(sd0));
        }
        for (int i = 0; i < steps; i++) {
            double t = i * dt;
            INDArray z = rng.stream(i).gaussian(DataType.DOUBLE, 0, n, 2);
            x.muli(1 + sde.driftCoefficient(t) * dt).addi(z.muli(sde.diffusion(t) * Math.sqrt(dt)));
            int done = i + 1;
            if (done == 100 || done == 500 || done == 1000) {
                double tn = done * dt;
                double m = sde.meanCoefficient(tn);
                double s = sde.marginalStd(tn);
                INDArray mean = x.mean(0);
                INDArray var = x.var(false, 0);
                for (int j = 0; j < 2; j++) {
                    double tolMean = 5 * s / Math.sqrt(n) + 0.02 * Math.abs(m * x0[j]);
                    assertEquals(m * x0[j], mean.getDouble(j), tolMean, "mean at t = " + tn);
                    double tolVar = 5 * s * s * Math.sqrt(2.0 / n) + 0.02 * s * s;
                    assertEquals(s * s, var.getDouble(j), tolVar, "variance at t = " + tn);
                }
            }
        }
    }

    @Test
    void ddpmDiscretisationConvergesToTheContinuousVpSde() {
        VpSde vp = new VpSde();
        double coarse = maxLogAlphaBarError(vp, 1000);
        double fine = maxLogAlphaBarError(vp, 10_000);
        assertTrue(coarse < 0.1, "N = 1000: max |ln alphabar_i - ln m(t_i)^2| = " + coarse);
        assertTrue(fine < coarse / 5, "error should fall like 1/N: " + coarse + " -> " + fine);
        Discretization d = vp.discretize(1000);
        double[] betas = vp.discreteBetas(1000);
        assertEquals(0.1 / 1000, betas[0], 1e-15);
        assertEquals(20.0 / 1000, betas[999], 1e-15);
        assertEquals(Math.sqrt(1 - betas[500]) - 1, d.driftFactor(500, 0.5), 1e-15);
        assertEquals(Math.sqrt(betas[500]), d.noiseScale(500, 0.5), 1e-15);
        assertEquals(1 - betas[10], d.langevinAlpha(10), 1e-15);
    }

    private static double maxLogAlphaBarError(VpSde vp, int n) {
        double[] ab = vp.alphaBars(n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double m = vp.meanCoefficient((i + 1.0) / n);
            worst = Math.max(worst, Math.abs(Math.log(ab[i]) - Math.log(m * m)));
        }
        return worst;
    }

    @Test
    void smldDiscretisationSamplesSigmaOfT() {
        VeSde ve = new VeSde(0.01, 50);
        int n = 1000;
        double[] sig = ve.discreteSigmas(n);
        Discretization d = ve.discretize(n);
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            double t = (double) i / (n - 1);
            assertEquals(ve.sigma(t), sig[i], 1e-12 * sig[i]);
            double g = d.noiseScale(i, t);
            cumulative += g * g;
            // x_i = x_0 + sum_j G_j z_j has variance sigma_i^2: the increments telescope
            assertEquals(sig[i] * sig[i], cumulative, 1e-9 * sig[i] * sig[i]);
            assertEquals(0, d.driftFactor(i, t));
            assertEquals(1, d.langevinAlpha(i));
        }
        assertEquals(Discretization.indexOf(1.0, 1.0, n), n - 1);
        assertEquals(Discretization.indexOf(0.5, 1.0, n), 499);
    }

    @Test
    void subVpDiscretisationIsEulerMaruyamaWithDdpmAlphas() {
        SubVpSde sub = new SubVpSde();
        Discretization d = sub.discretize(500);
        assertEquals(sub.driftCoefficient(0.3) / 500, d.driftFactor(149, 0.3), 1e-15);
        assertEquals(sub.diffusion(0.3) * Math.sqrt(1.0 / 500), d.noiseScale(149, 0.3), 1e-15);
        assertEquals(1 - new VpSde().discreteBetas(500)[149], d.langevinAlpha(149), 1e-15);
    }

    @Test
    void ancestralStepsFollowDdpmAndSmld() {
        VpSde vp = new VpSde();
        double beta = vp.discreteBetas(1000)[700];
        AncestralSchedule.AncestralStep s = vp.ancestralStep(700, 1000);
        assertEquals(1 / Math.sqrt(1 - beta), s.xScale(), 1e-14);
        assertEquals(beta / Math.sqrt(1 - beta), s.scoreScale(), 1e-14);
        assertEquals(Math.sqrt(beta), s.noiseStd(), 1e-14);
        VeSde ve = new VeSde();
        double[] sig = ve.discreteSigmas(1000);
        AncestralSchedule.AncestralStep a = ve.ancestralStep(700, 1000);
        double diff = sig[700] * sig[700] - sig[699] * sig[699];
        assertEquals(1, a.xScale());
        assertEquals(diff, a.scoreScale(), 1e-12);
        assertEquals(Math.sqrt(sig[699] * sig[699] * diff / (sig[700] * sig[700])), a.noiseStd(), 1e-12);
        assertEquals(0, ve.ancestralStep(0, 1000).noiseStd());
    }

    @ParameterizedTest
    @MethodSource("sdes")
    void priorLogDensityMatchesTheDirectFormulaAndPriorSamplesHaveItsStd(Sde sde) {
        INDArray z = Nd4j.createFromArray(new double[][] {{0, 0, 0}, {1, -2, 0.5}});
        double v = sde.priorStd() * sde.priorStd();
        double[] lp = sde.priorLogDensity(z);
        assertEquals(-1.5 * Math.log(2 * Math.PI * v), lp[0], 1e-12);
        assertEquals(-1.5 * Math.log(2 * Math.PI * v) - 5.25 / (2 * v), lp[1], 1e-12);
        INDArray draws = sde.priorSample(RandomSource.of(3), 0, 20_000, 2);
        assertEquals(DataType.FLOAT, draws.dataType());
        assertEquals(sde.priorStd(), Math.sqrt(draws.mul(draws).meanNumber().doubleValue()),
                5 * sde.priorStd() / Math.sqrt(2 * 40_000));
    }

    @ParameterizedTest
    @MethodSource("sdes")
    void arrayMethodsAgreeWithScalarOnes(Sde sde) {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2}, {-1, 0.5}});
        INDArray t = Nd4j.createFromArray(0.2, 0.7);
        assertClose(Nd4j.createFromArray(new double[][] {{sde.driftCoefficient(0.2), 2 * sde.driftCoefficient(0.2)},
                {-sde.driftCoefficient(0.7), 0.5 * sde.driftCoefficient(0.7)}}), sde.drift(x, t), 1e-12, 1e-15);
        assertClose(Nd4j.createFromArray(new double[][] {{sde.meanCoefficient(0.2), 2 * sde.meanCoefficient(0.2)},
                {-sde.meanCoefficient(0.7), 0.5 * sde.meanCoefficient(0.7)}}), sde.marginalMean(x, t), 1e-12, 1e-15);
        assertClose(new double[] {sde.marginalStd(0.2), sde.marginalStd(0.7)},
                sde.marginalStd(t).toDoubleVector(), 1e-12, 0);
    }

    @Test
    void everySdeReadsBackFromItsSpec() throws Exception {
        for (Sde sde : new Sde[] {new VpSde(), new VpSde(0.2, 15), new SubVpSde(0.1, 20), new VeSde(),
                new VeSde(0.02, 50, VeSde.Kernel.SIGMA_APPROXIMATION)}) {
            assertEquals(sde, Sde.parse(sde.spec()), sde.spec());
            // serialisable, as a distributed trainer ships it to its workers
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(sde);
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                assertEquals(sde, in.readObject());
            }
        }
        assertEquals("vp;0.1;20.0", new VpSde().spec());
        io.github.scoresde.core.testing.NdAssert.assertRejects(() -> Sde.parse("edm;1;2"), "unknown SDE type",
                "edm;1;2");
        io.github.scoresde.core.testing.NdAssert.assertRejects(() -> Sde.parse("ve;0.01"), "malformed SDE",
                "ve;0.01");
        io.github.scoresde.core.testing.NdAssert.assertRejects(() -> Sde.parse("vp;x;20"), "malformed SDE",
                "vp;x;20");
    }
}
