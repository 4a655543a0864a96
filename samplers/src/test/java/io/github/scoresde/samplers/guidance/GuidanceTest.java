package io.github.scoresde.samplers.guidance;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.oracle.SampleMetrics;
import io.github.scoresde.oracle.ExactMixtureClassifier;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Controllable generation against closed-form conditionals of Gaussian mixtures, with the exact
 * score. Stated tolerances: sliced W1 between completions and exact conditional draws at most
 * 2.5 times the floor (gmm-64 inpainting, colorization; see the eight-gaussians test for its own) (two independent exact conditional sets of the same size), component
 * fractions within 0.05 of the conditional weights, guided samples in the requested component at
 * a rate above 99%.
 */
class GuidanceTest {

    private static PredictorCorrectorSampler pc(int steps, io.github.scoresde.samplers.Conditioning c) {
        return PredictorCorrectorSampler.builder().steps(steps).conditioning(c).build();
    }

    /**
     * Replacement inpainting is approximate: the unobserved part follows the unconditional score
     * next to a freshly noised observation. More Langevin correction per level lets it settle to
     * p_t(x_free | x_observed); with 3 steps at snr 0.3 the gmm-64 completions were within 1.2 times
     * the floor, against 4.7 times with the single step at 0.16.
     */
    private static PredictorCorrectorSampler inpaintingSampler(int steps, io.github.scoresde.samplers.Conditioning c) {
        return PredictorCorrectorSampler.builder().steps(steps).conditioning(c)
                .corrector(new io.github.scoresde.samplers.LangevinCorrector(0.3, 3)).build();
    }

    private static void assertMatches(INDArray completions, GaussianMixture conditional, int n) {
        assertMatches(completions, conditional, n, 2.5);
    }

    private static void assertMatches(INDArray completions, GaussianMixture conditional, int n, double multiple) {
        INDArray exact = conditional.sample(n, RandomSource.of(501));
        INDArray exact2 = conditional.sample(n, RandomSource.of(502));
        double floor = SampleMetrics.slicedWasserstein1(exact2, exact);
        double sw = SampleMetrics.slicedWasserstein1(completions, exact);
        assertTrue(sw <= multiple * floor + 1e-3, "sliced W1 " + sw + " vs floor " + floor);
        double[] fr = SampleMetrics.modeFractions(completions, conditional.means(DataType.DOUBLE));
        for (int k = 0; k < fr.length; k++) {
            assertEquals(conditional.weight(k), fr[k], 0.05, "component " + k);
        }
    }

    /**
     * Observing x = 0 of eight-gaussians leaves y at +-2 with equal weights. The replacement method
     * strands a few percent of the samples between modes in 2-D (measured: about 5%), so the
     * claim here is the component weights within 0.05 and at least 90% of samples within 0.3 of a
     * mode, not the floor multiple of the gmm-64 test.
     */
    @Test
    void inpaintingEightGaussiansRecoversTheBimodalConditional() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        INDArray mask = Nd4j.createFromArray(1f, 0f);
        INDArray y = Nd4j.createFromArray(0f, 0f);
        int n = 2000;
        INDArray x = inpaintingSampler(1000, Inpainting.of(mask, y)).sample(sde, new ExactMixtureScore(mix, sde), n, 3)
                .samples();
        assertEquals(0, x.getColumn(0).maxNumber().doubleValue(), 0.01, "observed coordinate stays put");
        double[] ys = x.getColumn(1).toDoubleVector();
        int up = 0;
        int near = 0;
        for (double v : ys) {
            up += v > 0 ? 1 : 0;
            near += Math.abs(Math.abs(v) - 2) < 0.3 ? 1 : 0;
        }
        assertEquals(0.5, up / (double) n, 0.05);
        assertTrue(near >= 0.9 * n, near + " of " + n + " within 0.3 of a mode");
    }

    @Test
    void inpaintingGmm64MatchesTheClosedFormConditional() {
        GaussianMixture mix = GaussianMixture.gmm64();
        Sde sde = new VeSde(0.01, 50);
        INDArray point = mix.sample(1, RandomSource.of(9));
        int[] obs = new int[32];
        double[] values = new double[32];
        INDArray mask = Nd4j.zeros(DataType.FLOAT, 64);
        for (int j = 0; j < 32; j++) {
            obs[j] = j;
            values[j] = point.getDouble(0, j);
            mask.putScalar(j, 1);
        }
        int n = 1000;
        INDArray x = inpaintingSampler(500, Inpainting.of(mask, point.reshape(64)))
                .sample(sde, new ExactMixtureScore(mix, sde), n, 4).samples();
        INDArray rest = x.get(NDArrayIndex.all(), NDArrayIndex.interval(32, 64)).dup();
        assertMatches(rest, mix.conditional(obs, values), n);
    }

    /** A mixture score whose samples have an image shape (the flat mixture's values in C-order). */
    static ScoreFunction shaped(ScoreFunction flat, long... shape) {
        return new ScoreFunction() {
            @Override
            public long[] sampleShape() {
                return shape.clone();
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                INDArray s = flat.score(x.reshape(x.size(0), x.length() / x.size(0)), t);
                return s.reshape(x.shape());
            }
        };
    }

    /**
     * Colour "images" of 1 x 2 pixels, [n, 3, 1, 2]: three components with the same grey image and
     * different colours. The completions' colour coordinates (the per-pixel grey / colour basis)
     * match the exact conditional of the rotated mixture given its grey coordinates.
     */
    @Test
    void colorizationMatchesTheClosedFormConditionalInTheDecoupledBasis() {
        // means in C-order [r0, r1, g0, g1, b0, b1]
        double[][] means = {{1, 0, 0, 0, 0, 1}, {0, 1, 0, 0, 1, 0}, {0, 0, 1, 1, 0, 0}};
        GaussianMixture mix = GaussianMixture.equalWeights(means, 0.1);
        Sde sde = new VpSde();
        INDArray grey = Nd4j.createFromArray(new float[][] {{1 / 3f, 1 / 3f}});
        int n = 2000;
        INDArray x = inpaintingSampler(1000, Colorization.of(grey)).sample(sde,
                shaped(new ExactMixtureScore(mix, sde), 3, 1, 2), n, 5).samples();
        ChannelBasis basis = ChannelBasis.greyColour();
        INDArray u = basis.toBasis(x).reshape(n, 6);
        // grey coordinates (u channel 0: flat 0 and 1) are the observation, sqrt 3 * grey
        assertEquals(Math.sqrt(3) / 3, u.getColumn(0).meanNumber().doubleValue(), 0.01);
        assertEquals(Math.sqrt(3) / 3, u.getColumn(1).meanNumber().doubleValue(), 0.01);
        assertEquals(grey.getDouble(0, 0), Colorization.grey(x).getDouble(0, 0, 0, 0), 0.02);
        double[][] rotated = new double[3][];
        for (int k = 0; k < 3; k++) {
            rotated[k] = basis.toBasis(Nd4j.createFromArray(means[k]).reshape(1, 3, 1, 2)).reshape(6).toDoubleVector();
        }
        GaussianMixture conditional = GaussianMixture.equalWeights(rotated, 0.1)
                .conditional(new int[] {0, 1}, new double[] {Math.sqrt(3) / 3, Math.sqrt(3) / 3});
        assertMatches(u.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 6)).dup(), conditional, n);
    }

    /** A mixture of four 1 x 4 x 4 "images" (std 0.2) with exact conditionals. */
    private static GaussianMixture imageMixture() {
        double[][] means = new double[4][16];
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 16; j++) {
                means[k][j] = Math.cos(1.3 * (k + 1) * (j + 1) + k);
            }
        }
        return GaussianMixture.equalWeights(means, 0.2);
    }

    /**
     * Mixture "images" [n, 1, 4, 4] with an [H, W] mask: the centre 2 x 2 box free, the rest
     * observed from one exact draw. The completions of the box match the exact conditional (same
     * tolerance as gmm-64), and the observed pixels come back as observed.
     */
    @Test
    void inpaintingImagesWithAPixelMaskMatchesTheClosedFormConditional() {
        GaussianMixture mix = imageMixture();
        Sde sde = new VpSde();
        INDArray image = mix.sample(1, RandomSource.of(12)).reshape(1, 4, 4);
        INDArray mask = Nd4j.ones(DataType.FLOAT, 4, 4);
        int[] free = {5, 6, 9, 10};
        for (int f : free) {
            mask.putScalar(f / 4, f % 4, 0);
        }
        int n = 1000;
        INDArray x = inpaintingSampler(500, Inpainting.of(mask, image)).sample(sde,
                shaped(new ExactMixtureScore(mix, sde), 1, 4, 4), n, 6).samples();
        INDArray flat = x.reshape(n, 16);
        int[] obs = new int[12];
        double[] values = new double[12];
        for (int j = 0, o = 0; j < 16; j++) {
            if (mask.getDouble(j / 4, j % 4) == 1) {
                obs[o] = j;
                values[o++] = image.getDouble(0, j / 4, j % 4);
                assertEquals(image.getDouble(0, j / 4, j % 4), flat.getColumn(j).meanNumber().doubleValue(), 0.01);
            }
        }
        INDArray box = Nd4j.concat(1, flat.getColumn(5).reshape(n, 1), flat.getColumn(6).reshape(n, 1),
                flat.getColumn(9).reshape(n, 1), flat.getColumn(10).reshape(n, 1));
        assertMatches(box, mix.conditional(obs, values), n);
    }

    /**
     * One mask per sample: even samples have the centre 2 x 2 box free, odd ones the bottom-right box,
     * each group with its own observation (an exact draw); each group's completions match their
     * own exact conditional, and the observed pixels come back as observed. The few-step DDIM
     * sampler (eta = 1, 200 steps) runs the same conditioning through its hook; without Langevin
     * correction its replacement is looser, so its bound is 3.5 floors (measured 1.6 and 2.3,
     * against 1.2 and 1.4 for the corrected PC sampler). Replacement is approximate: with the
     * top-left box free the PC completions were 5.6 floors away (a component misweighted).
     */
    @Test
    void perSampleMasksConditionEachSampleOnItsOwnObservation() {
        GaussianMixture mix = imageMixture();
        Sde sde = new VpSde();
        int n = 1200;
        int[][] free = {{5, 6, 9, 10}, {10, 11, 14, 15}};
        INDArray draws = mix.sample(2, RandomSource.of(13)).reshape(2, 1, 4, 4);
        INDArray masks = Nd4j.ones(DataType.FLOAT, n, 4, 4);
        INDArray observed = Nd4j.zeros(DataType.FLOAT, n, 1, 4, 4);
        for (int i = 0; i < n; i++) {
            for (int f : free[i % 2]) {
                masks.putScalar(new long[] {i, f / 4, f % 4}, 0);
            }
            observed.get(NDArrayIndex.point(i)).assign(draws.get(NDArrayIndex.point(i % 2)));
        }
        ScoreFunction score = shaped(new ExactMixtureScore(mix, sde), 1, 4, 4);
        INDArray pc = inpaintingSampler(500, Inpainting.perSample(masks, observed)).sample(sde, score, n, 7).samples();
        INDArray ddim = io.github.scoresde.samplers.DdimSampler.builder().steps(200).eta(1)
                .conditioning(Inpainting.perSample(masks, observed)).build().sample(sde, score, n, 7).samples();
        for (INDArray x : new INDArray[] {pc, ddim}) {
            for (int parity = 0; parity < 2; parity++) {
                INDArray group = x.reshape(n, 16).get(NDArrayIndex.interval(parity, 2, n), NDArrayIndex.all());
                java.util.List<Integer> freeCols = java.util.Arrays.stream(free[parity]).boxed().toList();
                int[] obs = new int[12];
                double[] values = new double[12];
                for (int j = 0, o = 0; j < 16; j++) {
                    if (!freeCols.contains(j)) {
                        obs[o] = j;
                        values[o++] = draws.getDouble(parity, 0, j / 4, j % 4);
                        assertEquals(values[o - 1], group.getColumn(j).meanNumber().doubleValue(), 0.01);
                    }
                }
                INDArray completions = Nd4j.create(DataType.FLOAT, group.size(0), 4);
                for (int f = 0; f < 4; f++) {
                    completions.getColumn(f).assign(group.getColumn(free[parity][f]));
                }
                assertMatches(completions, mix.conditional(obs, values), (int) group.size(0), x == pc ? 2.5 : 3.5);
            }
        }
    }

    /**
     * Guidance in the few-step samplers: with the exact classifier (w = 1, so the guided score is
     * exactly the score of the conditional, one Gaussian), DPM-Solver++(2M) at 20 evaluations puts
     * more than 99% of the samples in the requested component, with its mean and spread as above.
     */
    @Test
    void exactClassifierGuidanceWorksInTheFewStepSamplers() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        int n = 2000;
        INDArray x = io.github.scoresde.samplers.DpmSolverSampler.builder().steps(20)
                .conditioning(ClassifierGuidance.of(new ExactMixtureClassifier(mix, sde), 6, 1.0)).build()
                .sample(sde, new ExactMixtureScore(mix, sde), n, 8).samples();
        double[] fr = SampleMetrics.modeFractions(x, mix.means(DataType.DOUBLE));
        assertTrue(fr[6] > 0.99, "fraction in component 6: " + fr[6]);
        double[] mu = mix.mean(6);
        assertEquals(mu[0], x.mean(0).getDouble(0), 5 * 0.1 / Math.sqrt(n) + 0.01);
        assertEquals(mu[1], x.mean(0).getDouble(1), 5 * 0.1 / Math.sqrt(n) + 0.01);
        assertEquals(0.1, x.std(0).getDouble(0), 0.015);
        assertEquals(0.1, x.std(0).getDouble(1), 0.015);
    }

    /**
     * Guidance on mixture "images" [n, 1, 4, 4]: the exact classifier of the image mixture (its
     * components as classes) at w = 1 makes the guided score the exact score of the requested
     * component, a Gaussian; through PC and DPM-Solver++(2M) more than 99% of the samples land in
     * it, with its mean per pixel within 0.03 and its spread 0.2 within 15%. (DDIM with eta = 1 at
     * 100 uniform steps gave a spread of 0.167: its ancestral steps from the posterior mean lose
     * variance at coarse steps.)
     */
    @Test
    void exactGuidanceOnMixtureImagesLandsInTheRequestedComponent() {
        GaussianMixture mix = imageMixture();
        Sde sde = new VpSde();
        ExactMixtureClassifier flat = new ExactMixtureClassifier(mix, sde);
        io.github.scoresde.core.NoisyClassifier shapedClassifier = new io.github.scoresde.core.NoisyClassifier() {
            @Override
            public int classes() {
                return flat.classes();
            }

            @Override
            public long[] sampleShape() {
                return new long[] {1, 4, 4};
            }

            @Override
            public INDArray logProbabilityGradient(INDArray x, INDArray t, int[] labels) {
                return flat.logProbabilityGradient(x.reshape(x.size(0), 16), t, labels).reshape(x.shape());
            }
        };
        ScoreFunction score = shaped(new ExactMixtureScore(mix, sde), 1, 4, 4);
        int n = 1000;
        for (io.github.scoresde.samplers.Sampler s : new io.github.scoresde.samplers.Sampler[] {
            pc(500, ClassifierGuidance.of(shapedClassifier, 2, 1.0)),
            io.github.scoresde.samplers.DpmSolverSampler.builder().steps(30)
                    .conditioning(ClassifierGuidance.of(shapedClassifier, 2, 1.0)).build()}) {
            INDArray x = s.sample(sde, score, n, 9).samples().reshape(n, 16);
            double[] fr = SampleMetrics.modeFractions(x, mix.means(DataType.DOUBLE));
            assertTrue(fr[2] > 0.99, s + ": fraction in component 2: " + fr[2]);
            double[] mu = mix.mean(2);
            for (int j = 0; j < 16; j++) {
                assertEquals(mu[j], x.getColumn(j).meanNumber().doubleValue(), 0.03, s + " pixel " + j);
                assertEquals(0.2, x.getColumn(j).stdNumber().doubleValue(), 0.03, s + " pixel " + j);
            }
        }
    }

    @Test
    void exactClassifierGuidanceLandsInTheRequestedComponent() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        int n = 2000;
        INDArray x = pc(1000, ClassifierGuidance.of(new ExactMixtureClassifier(mix, sde), 3, 1.0))
                .sample(sde, new ExactMixtureScore(mix, sde), n, 6).samples();
        double[] fr = SampleMetrics.modeFractions(x, mix.means(DataType.DOUBLE));
        assertTrue(fr[3] > 0.99, "fraction in component 3: " + fr[3]);
        double[] mu = mix.mean(3);
        INDArray mean = x.mean(0);
        assertEquals(mu[0], mean.getDouble(0), 5 * 0.1 / Math.sqrt(n) + 0.01);
        assertEquals(mu[1], mean.getDouble(1), 5 * 0.1 / Math.sqrt(n) + 0.01);
        // within-component spread: std 0.1 per coordinate within 15% (the PC snr inflates it slightly)
        assertEquals(0.1, x.std(0).getDouble(0), 0.015);
        assertEquals(0.1, x.std(0).getDouble(1), 0.015);
        // per-sample labels: half in 0, half in 5
        int[] labels = new int[200];
        for (int i = 100; i < 200; i++) {
            labels[i] = 5;
        }
        INDArray mixed = pc(300, ClassifierGuidance.perSample(new ExactMixtureClassifier(mix, sde), labels, 1.0))
                .sample(sde, new ExactMixtureScore(mix, sde), 200, 7).samples();
        double[] first = SampleMetrics.modeFractions(mixed.get(NDArrayIndex.interval(0, 100)).dup(),
                mix.means(DataType.DOUBLE));
        double[] second = SampleMetrics.modeFractions(mixed.get(NDArrayIndex.interval(100, 200)).dup(),
                mix.means(DataType.DOUBLE));
        assertTrue(first[0] > 0.97 && second[5] > 0.97, first[0] + " " + second[5]);
    }

    @Test
    void badInputIsRejected() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        assertRejects(() -> Inpainting.of(Nd4j.createFromArray(1f, 0f), Nd4j.zeros(DataType.FLOAT, 3)),
                "observed must have the mask's shape [2]", "[3]");
        assertRejects(() -> Inpainting.of(Nd4j.createFromArray(0.5f, 0f), Nd4j.zeros(DataType.FLOAT, 2)),
                "mask must hold only 0 and 1", "0.5");
        assertRejects(() -> pc(10, Inpainting.of(Nd4j.createFromArray(1f, 0f, 0f), Nd4j.zeros(DataType.FLOAT, 3)))
                .sample(sde, new ExactMixtureScore(mix, sde), 4, 0), "observed must have the sample shape [2]", "[3]");
        ExactMixtureClassifier c = new ExactMixtureClassifier(mix, sde);
        assertRejects(() -> ClassifierGuidance.of(c, 8, 1.0), "labels must lie in [0, 8)", "8");
        assertRejects(() -> ClassifierGuidance.of(c, -1, 1.0), "labels must lie in [0, 8)", "-1");
        assertRejects(() -> ClassifierGuidance.of(c, 1, -0.5), "guidance weight must be non-negative", "-0.5");
        assertRejects(() -> Colorization.of(Nd4j.zeros(2, 3, 2, 2)), "grey must be [H, W], [n, H, W] or [n, 1, H, W]");
        assertRejects(() -> pc(5, Inpainting.of(Nd4j.ones(DataType.FLOAT, 3, 3), Nd4j.zeros(DataType.FLOAT, 1, 4, 4)))
                .sample(sde, shaped(new ExactMixtureScore(imageMixture(), sde), 1, 4, 4), 2, 0),
                "the mask has shape [3, 3] but samples have shape [1, 4, 4]", "[4, 4]");
        assertRejects(() -> pc(5, Colorization.of(Nd4j.zeros(4, 4))).sample(sde,
                shaped(new ExactMixtureScore(imageMixture(), sde), 1, 4, 4), 2, 0), "[3, 4, 4]");
        assertRejects(() -> ChannelBasis.of(new double[][] {{1, 1}, {0, 1}}), "orthogonal");
        assertRejects(() -> pc(5, ClassifierGuidance.perSample(c, new int[] {1, 2}, 1)).sample(sde,
                new ExactMixtureScore(mix, sde), 3, 0), "labels holds 2 labels but sample 2 was requested");
    }
}
