package io.github.scoresde.samplers.likelihood;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Likelihoods through the probability-flow ODE against the exact mixture log-density (B4).
 * Stated tolerance: with the exact score and exact divergence (Dormand-Prince, rtol = atol =
 * 1e-5, float64 state), the mean NLL of 2,000 exact draws is within 0.01 nats of the exact mean
 * NLL; with Hutchinson (one Rademacher probe), within 3 standard errors of it.
 */
class LikelihoodTest {
    private static final Logger LOG = LoggerFactory.getLogger(LikelihoodTest.class);

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(GaussianMixture.eightGaussians(), new VpSde()),
                Arguments.of(GaussianMixture.eightGaussians(), new SubVpSde()),
                Arguments.of(GaussianMixture.eightGaussians(), new VeSde()),
                Arguments.of(GaussianMixture.gmm64(), new VpSde()));
    }

    private static double exactMeanNll(GaussianMixture mix, INDArray x) {
        double s = 0;
        for (double v : mix.logDensity(x)) {
            s -= v;
        }
        return s / x.size(0);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void exactDivergenceMatchesTheExactNll(GaussianMixture mix, Sde sde) {
        INDArray x = mix.sample(2000, RandomSource.of(21));
        Likelihood.Result r = Likelihood.create().logLikelihood(sde, new ExactMixtureScore(mix, sde), x,
                RandomSource.of(0));
        double exact = exactMeanNll(mix, x);
        LOG.info("{} d={}: NLL {} vs exact {} (|error| {}), NFE {}, {} s", sde, mix.dimension(), r.meanNll(), exact,
                Math.abs(r.meanNll() - exact), r.scoreEvaluations(), r.elapsed().toMillis() / 1000.0);
        assertEquals(exact, r.meanNll(), 0.01);
        // per example too: the median absolute error is below 0.03 nats (the step size is controlled
        // on the whole batch, so a few hard examples carry errors of up to about 0.1 nats)
        double[] lp = mix.logDensity(x);
        double[] err = new double[lp.length];
        for (int b = 0; b < lp.length; b++) {
            err[b] = Math.abs(lp[b] - r.logLikelihood()[b]);
        }
        java.util.Arrays.sort(err);
        assertTrue(err[err.length / 2] < 0.03, "median per-example error " + err[err.length / 2]);
    }

    @Test
    void hutchinsonIsUnbiasedWithinThreeStandardErrors() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        INDArray x = mix.sample(2000, RandomSource.of(22));
        double[] exact = mix.logDensity(x);
        for (HutchinsonDivergence.Probe probe : HutchinsonDivergence.Probe.values()) {
            Likelihood.Result r = Likelihood.builder().divergence(new HutchinsonDivergence(probe, 1)).build()
                    .logLikelihood(sde, new ExactMixtureScore(mix, sde), x, RandomSource.of(5));
            double[] diff = new double[exact.length];
            double mean = 0;
            for (int b = 0; b < diff.length; b++) {
                diff[b] = r.logLikelihood()[b] - exact[b];
                mean += diff[b] / diff.length;
            }
            double ss = 0;
            for (double d : diff) {
                ss += (d - mean) * (d - mean);
            }
            double se = Math.sqrt(ss / (diff.length - 1) / diff.length);
            LOG.info("Hutchinson {}: mean error {} nats, standard error {}", probe, mean, se);
            assertTrue(se > 0, "a stochastic estimate must vary");
            assertTrue(Math.abs(mean) <= 3 * se + 0.005, "bias " + mean + " vs standard error " + se);
        }
    }

    /**
     * The Hutchinson session's divergence is the mean over its probes of v_p . J v_p, each probe
     * drawn from the probe stream p as documented; with one probe it is that probe's form itself.
     */
    @Test
    void hutchinsonAveragesTheQuadraticFormsOfItsProbes() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ExactMixtureScore exact = new ExactMixtureScore(mix, sde);
        org.nd4j.linalg.api.buffer.DataType f64 = org.nd4j.linalg.api.buffer.DataType.DOUBLE;
        INDArray x = mix.sample(300, RandomSource.of(24)).castTo(f64);
        INDArray t = Nd4j.valueArrayOf(new long[] {300}, 0.4, f64);
        for (int probes : new int[] {1, 3}) {
            double[] expected = new double[300];
            for (int p = 0; p < probes; p++) {
                INDArray v = RandomSource.of(9).stream(p).rademacher(f64, 0, 300, 2);
                double[] q = io.github.scoresde.core.NdArrays.toDoubles(exact.jacobianQuadraticForm(x, t, v));
                for (int b = 0; b < 300; b++) {
                    expected[b] += q[b] / probes;
                }
            }
            try (DivergenceEstimator.Session session = new HutchinsonDivergence(HutchinsonDivergence.Probe.RADEMACHER,
                    probes).start(exact, 300, f64, RandomSource.of(9))) {
                INDArray[] sd = session.scoreAndDivergence(x, t);
                double[] div = io.github.scoresde.core.NdArrays.toDoubles(sd[1]);
                assertEquals(300, div.length);
                for (int b = 0; b < 300; b++) {
                    assertEquals(expected[b], div[b], 1e-9 * (1 + Math.abs(expected[b])), probes + " probes, row " + b);
                }
                double[] s = io.github.scoresde.core.NdArrays.toDoubles(sd[0]);
                double[] sExact = io.github.scoresde.core.NdArrays.toDoubles(exact.score(x, t));
                assertEquals(sExact[17], s[17], 1e-12);
            }
        }
    }

    /**
     * The exact score and its vector-Jacobian products, without the exact model's closed forms:
     * every other capability comes from DifferentiableScore's defaults.
     */
    private static class WithoutClosedForms implements io.github.scoresde.core.DifferentiableScore {
        private final ExactMixtureScore exact;

        WithoutClosedForms(ExactMixtureScore exact) {
            this.exact = exact;
        }

        @Override
        public long[] sampleShape() {
            return exact.sampleShape();
        }

        @Override
        public INDArray score(INDArray x, INDArray t) {
            return exact.score(x, t);
        }

        @Override
        public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
            return exact.vectorJacobianProduct(x, t, v);
        }
    }

    /**
     * A solve frees what it made once it ends (the Hutchinson probe, the augmented states, the
     * stage derivatives), so that solves in a row reuse native memory; the caller's data and the
     * returned latent stay usable, and the values are those of a solve that frees nothing.
     */
    @Test
    void aSolveFreesItsProbeAndKeepsTheDataAndTheLatent() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ExactMixtureScore exact = new ExactMixtureScore(mix, sde);
        java.util.List<INDArray> probes = new java.util.ArrayList<>();
        // a wrapper without the exact model's closed forms: the default quadratic form, through
        // vector-Jacobian products, sees the probe the estimator drew
        io.github.scoresde.core.DifferentiableScore recording = new WithoutClosedForms(exact) {
            @Override
            public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
                if (probes.stream().noneMatch(p -> p == v)) {
                    probes.add(v);
                }
                return super.vectorJacobianProduct(x, t, v);
            }
        };
        INDArray x = mix.sample(200, RandomSource.of(23)).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        Likelihood hutchinson = Likelihood.builder().divergence(DivergenceEstimator.hutchinson()).build();
        Likelihood.Result r = hutchinson.logLikelihood(sde, recording, x, RandomSource.of(5));
        assertEquals(1, probes.size(), "one probe held along the solve");
        assertTrue(probes.get(0).wasClosed(), "the probe is freed when the solve ends");
        assertTrue(!x.wasClosed() && !r.latent().wasClosed());
        assertEquals(200, r.latent().size(0));
        // the same values as the exact model's own closed-form quadratic form
        Likelihood.Result closed = hutchinson.logLikelihood(sde, exact, x, RandomSource.of(5));
        for (int b = 0; b < 200; b++) {
            assertEquals(closed.logLikelihood()[b], r.logLikelihood()[b], 1e-6);
        }
    }

    /**
     * Gaussian data N(0, sigma^2 I) with a sample shape of [2, 3]: the perturbed score -x / var(t)
     * (var = m^2 sigma^2 + s^2) is linear with J = -I / var, so a Rademacher probe's v^T J v is the
     * exact divergence -6 / var. Both estimators, the Hutchinson one through the default quadratic
     * form of a vector-Jacobian product, give the closed-form log-density at the end time to 2e-3
     * nats per example, and the latent keeps the data's shape.
     */
    @Test
    void multiDimensionalGaussianDataHaveTheClosedFormLikelihoodWithEitherEstimator() {
        double sigma = 0.7;
        double eps = 1e-3;
        Sde sde = new VpSde();
        final class GaussianScore implements io.github.scoresde.core.DifferentiableScore,
                io.github.scoresde.core.ScoreDivergence {
            @Override
            public long[] sampleShape() {
                return new long[] {2, 3};
            }

            private INDArray inverseVariance(INDArray t) {
                double[] tv = io.github.scoresde.core.NdArrays.toDoubles(t);
                double[] c = new double[tv.length];
                for (int b = 0; b < tv.length; b++) {
                    double m = sde.meanCoefficient(tv[b]);
                    double s = sde.marginalStd(tv[b]);
                    c[b] = -1 / (m * m * sigma * sigma + s * s);
                }
                return io.github.scoresde.core.NdArrays.of(c, t.dataType(), tv.length);
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                return io.github.scoresde.core.Broadcast.muli(x.dup(), inverseVariance(t));
            }

            @Override
            public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
                return io.github.scoresde.core.Broadcast.muli(v.castTo(x.dataType()).dup(), inverseVariance(t));
            }

            @Override
            public INDArray divergence(INDArray x, INDArray t) {
                return inverseVariance(t).muli(6);
            }
        }
        INDArray x = RandomSource.of(3).gaussian(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 0, 300, 2, 3).muli(sigma);
        double m = sde.meanCoefficient(eps);
        double s = sde.marginalStd(eps);
        double var = m * m * sigma * sigma + s * s;
        double[] xv = io.github.scoresde.core.NdArrays.toDoubles(x);
        for (DivergenceEstimator estimator : new DivergenceEstimator[] {DivergenceEstimator.exact(),
                DivergenceEstimator.hutchinson()}) {
            Likelihood.Result r = Likelihood.builder().divergence(estimator).endTime(eps).build()
                    .logLikelihood(sde, new GaussianScore(), x, RandomSource.of(4));
            assertEquals(java.util.List.of(300L, 2L, 3L), java.util.Arrays.stream(r.latent().shape()).boxed().toList());
            for (int b = 0; b < 300; b++) {
                double sq = 0;
                for (int i = 0; i < 6; i++) {
                    sq += xv[b * 6 + i] * xv[b * 6 + i];
                }
                double expected = -0.5 * sq / var - 3 * Math.log(2 * Math.PI * var);
                assertEquals(expected, r.logLikelihood()[b], 2e-3, estimator + " example " + b);
            }
        }
    }

    @Test
    void encodingThenDecodingReturnsTheInputAndCodesLookStandardNormal() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(mix, sde);
        io.github.scoresde.samplers.ProbabilityFlowSampler flow = io.github.scoresde.samplers.ProbabilityFlowSampler
                .builder().dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .solver(new io.github.scoresde.samplers.ode.DormandPrince45(1e-7, 1e-7)).build();
        INDArray x = mix.sample(2000, RandomSource.of(23)).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray z = flow.encode(sde, score, x).samples();
        INDArray back = flow.decode(sde, score, z).samples();
        double maxErr = back.sub(x).norm2(1).maxNumber().doubleValue();
        assertTrue(maxErr < 1e-3, "round trip error " + maxErr);
        // codes ~ N(0, I): mean within 5 standard errors, covariance within 0.1
        INDArray mean = z.mean(0);
        assertTrue(mean.norm2Number().doubleValue() < 5 * Math.sqrt(2.0 / 2000), "mean " + mean);
        INDArray centred = z.subRowVector(mean);
        INDArray cov = centred.transpose().mmul(centred).divi(1999);
        io.github.scoresde.core.testing.NdAssert.assertClose(Nd4j.eye(2).castTo(cov.dataType()), cov, 0, 0.1);
        // one-dimensional KS test on three projections against N(0, 1): D < 1.63 / sqrt(n) (alpha = 0.01)
        for (double angle : new double[] {0.3, 1.2, 2.5}) {
            INDArray dir = Nd4j.createFromArray(new double[][] {{Math.cos(angle)}, {Math.sin(angle)}});
            double[] proj = z.mmul(dir).toDoubleVector();
            double ks = kolmogorovSmirnov(proj);
            assertTrue(ks < 1.63 / Math.sqrt(proj.length), "KS statistic " + ks + " at angle " + angle);
        }
    }

    private static double kolmogorovSmirnov(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        double worst = 0;
        for (int i = 0; i < s.length; i++) {
            double cdf = 0.5 * (1 + erf(s[i] / Math.sqrt(2)));
            worst = Math.max(worst, Math.max(Math.abs(cdf - (double) i / s.length), Math.abs((i + 1.0) / s.length - cdf)));
        }
        return worst;
    }

    /** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7). */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    @Test
    void slerpStaysOnTheShellAndHitsTheEnds() {
        INDArray a = Nd4j.createFromArray(new double[][] {{3, 0}, {1, 1}});
        INDArray b = Nd4j.createFromArray(new double[][] {{0, 3}, {2, 2}});
        assertEquals(a, Interpolation.slerp(a, b, 0));
        io.github.scoresde.core.testing.NdAssert.assertClose(b, Interpolation.slerp(a, b, 1), 1e-12, 1e-12);
        INDArray mid = Interpolation.slerp(a, b, 0.5);
        assertEquals(3, mid.getRow(0).norm2Number().doubleValue(), 1e-12);
        assertEquals(3 / Math.sqrt(2), mid.getDouble(0, 0), 1e-12);
        // parallel codes: linear
        assertEquals(1.5, mid.getDouble(1, 0), 1e-12);
        assertRejects(() -> Interpolation.slerp(a, Nd4j.zeros(3, 2), 0.5), "a and b must have the same shape");
    }

    @Test
    void rejectsBadInput() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(mix, sde);
        Likelihood lik = Likelihood.create();
        assertRejects(() -> lik.logLikelihood(sde, score, Nd4j.zeros(4, 3), RandomSource.of(0)),
                "x must have shape [batch, 2]", "[4, 3]");
        assertRejects(() -> lik.logLikelihood(sde, score, Nd4j.createFromArray(new double[][] {{0, Double.NaN}}),
                RandomSource.of(0)), "x must be finite", "NaN");
        assertRejects(() -> lik.logLikelihood(sde, score, Nd4j.zeros(0, 2), RandomSource.of(0)), "at least one example");
        ScoreFunction plain = new ScoreFunction() {
            @Override
            public long[] sampleShape() {
                return new long[] {2};
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                return x.neg();
            }
        };
        assertRejects(() -> lik.logLikelihood(sde, plain, Nd4j.zeros(2, 2), RandomSource.of(0)),
                "exact divergence needs", "ScoreDivergence", "DifferentiableScore");
        assertRejects(() -> Likelihood.builder().divergence(DivergenceEstimator.hutchinson()).build()
                .logLikelihood(sde, plain, Nd4j.zeros(2, 2), RandomSource.of(0)), "Hutchinson estimator needs");
        assertRejects(() -> new HutchinsonDivergence(HutchinsonDivergence.Probe.GAUSSIAN, 0), "probes must be positive");
        assertRejects(() -> Likelihood.builder().endTime(-1), "endTime must lie in (0, T)");
    }
}
