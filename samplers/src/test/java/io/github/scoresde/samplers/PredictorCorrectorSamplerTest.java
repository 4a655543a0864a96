package io.github.scoresde.samplers;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.samplers.ode.DormandPrince45;
import io.github.scoresde.samplers.ode.RungeKutta4Solver;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Behaviour of the sampling loops: reproducibility, chunking, NFE, divergence guard, arguments. */
class PredictorCorrectorSamplerTest {
    private static final GaussianMixture EIGHT = GaussianMixture.eightGaussians();

    /** Counts batched calls. */
    static final class CountingScore implements ScoreFunction {
        final ScoreFunction inner;
        final AtomicInteger calls = new AtomicInteger();

        CountingScore(ScoreFunction inner) {
            this.inner = inner;
        }

        @Override
        public long[] sampleShape() {
            return inner.sampleShape();
        }

        @Override
        public INDArray score(INDArray x, INDArray t) {
            calls.incrementAndGet();
            return inner.score(x, t);
        }
    }

    /**
     * One sampler instance and one exact score used from four threads at once give each call the
     * samples it gives alone (the thread-safety claim of {@link Sampler}).
     */
    @Test
    void oneSamplerServesManyThreadsAtOnce() throws Exception {
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, sde);
        List<Sampler> samplers = List.of(PredictorCorrectorSampler.reverseDiffusionLangevin(30, 0.16),
                ProbabilityFlowSampler.create());
        for (Sampler sampler : samplers) {
            INDArray[] alone = new INDArray[4];
            for (int k = 0; k < 4; k++) {
                alone[k] = sampler.sample(sde, score, 300, 100 + k).samples();
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<INDArray>> together = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    long seed = 100 + k;
                    together.add(pool.submit(() -> sampler.sample(sde, score, 300, seed).samples()));
                }
                for (int k = 0; k < 4; k++) {
                    assertEquals(alone[k], together.get(k).get(), sampler + ", call " + k);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aStepsTimesArrayHoldsThatStepsTime() {
        // the array is filled only when asked for: asked on some steps only, it must never show an
        // earlier step's time
        List<Integer> asked = new ArrayList<>();
        Predictor reader = new Predictor() {
            @Override
            public StepResult step(StepContext ctx, INDArray x) {
                int k = ctx.step();
                for (int repeat = 0; repeat < (k == 4 ? 2 : k % 3 == 0 ? 1 : 0); repeat++) {
                    INDArray t = ctx.times();
                    assertEquals(DataType.FLOAT, t.dataType());
                    assertEquals(5, t.length());
                    for (double v : io.github.scoresde.core.NdArrays.toDoubles(t)) {
                        assertEquals((float) ctx.t(), v, 0.0, "step " + k);
                    }
                    asked.add(k);
                }
                return new StepResult(x, x);
            }

            @Override
            public int scoreEvaluations() {
                return 0;
            }
        };
        Sde sde = new VpSde();
        PredictorCorrectorSampler.builder().predictor(reader).corrector(Corrector.none()).steps(7).build()
                .sample(sde, new ExactMixtureScore(EIGHT, sde), 5, 1);
        assertEquals(List.of(0, 3, 4, 4, 6), asked);
    }

    @Test
    void sameSeedSameSamplesOtherSeedOtherSamples() {
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, sde);
        Sampler pc = PredictorCorrectorSampler.reverseDiffusionLangevin(50, 0.16);
        INDArray a = pc.sample(sde, score, 64, 3).samples();
        INDArray b = pc.sample(sde, score, 64, 3).samples();
        INDArray c = pc.sample(sde, score, 64, 4).samples();
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void chunkedSamplingEqualsOneBatch() {
        List<PredictorCorrectorSampler.Builder> configs = new ArrayList<>();
        configs.add(PredictorCorrectorSampler.builder().predictor(Predictor.eulerMaruyama()).corrector(Corrector.none()));
        configs.add(PredictorCorrectorSampler.builder().predictor(Predictor.ancestral()).corrector(Corrector.none()));
        configs.add(PredictorCorrectorSampler.builder().corrector(
                new LangevinCorrector(0.16, 2, LangevinCorrector.StepSizeNorm.PER_EXAMPLE)));
        configs.add(PredictorCorrectorSampler.builder().predictor(Predictor.none())
                .corrector(new AnnealedLangevinCorrector(0.1, 2)));
        Sde sde = new VeSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, sde);
        for (PredictorCorrectorSampler.Builder cfg : configs) {
            INDArray whole = cfg.steps(40).chunkSize(0).build().sample(sde, score, 4 * 64, 11).samples();
            INDArray chunked = cfg.steps(40).chunkSize(64).build().sample(sde, score, 4 * 64, 11).samples();
            INDArray ragged = cfg.steps(40).chunkSize(100).build().sample(sde, score, 4 * 64, 11).samples();
            assertEquals(whole, chunked, cfg.build().toString());
            assertEquals(whole, ragged, cfg.build().toString());
        }
    }

    /**
     * The probability-flow sampler in chunks starts each chunk from the prior rows of one batch:
     * its samples equal one batch's to the solver's tolerance (its steps follow each chunk's error).
     */
    @Test
    void chunkedFlowSamplingMatchesOneBatchToTheTolerance() {
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, sde);
        ProbabilityFlowSampler.Builder b = ProbabilityFlowSampler.builder().tolerances(1e-6, 1e-6);
        SamplingResult whole = b.chunkSize(0).build().sample(sde, score, 200, 5);
        SamplingResult chunked = b.chunkSize(64).build().sample(sde, score, 200, 5);
        assertArrayEquals(whole.samples().shape(), chunked.samples().shape());
        double diff = whole.samples().sub(chunked.samples()).amaxNumber().doubleValue();
        assertTrue(diff < 1e-3, "largest difference " + diff);
        assertTrue(chunked.scoreEvaluations() > 0);
        // another prior (another seed) lands elsewhere: the chunks really start from the batch's draws
        double other = whole.samples().sub(b.chunkSize(0).build().sample(sde, score, 200, 6).samples())
                .amaxNumber().doubleValue();
        assertTrue(other > 0.1, "another seed's samples differ by " + other);
    }

    @Test
    void noiseDrawnAheadOnAnotherThreadIsTheNoiseDrawnInPlace() {
        RandomSource steps = RandomSource.of(5).stream(PredictorCorrectorSampler.STEP_STREAM);
        long[] shape = {3};
        try (StepNoise ahead = new StepNoise(steps, 17, 40, shape, 6, true);
                StepNoise inPlace = new StepNoise(steps, 17, 40, shape, 6, false)) {
            assertTrue(ahead.ahead());
            for (int k = 0; k < 6; k++) {
                for (int slot = 0; slot < 3; slot++) {
                    INDArray expected = steps.stream(k).stream(slot).gaussian(
                            org.nd4j.linalg.api.buffer.DataType.FLOAT, 17, 40, shape);
                    assertEquals(expected, ahead.noise(k, slot), "step " + k + " slot " + slot);
                    assertEquals(expected, inPlace.noise(k, slot), "step " + k + " slot " + slot);
                }
            }
            // a slot asked out of order (not drawn ahead) is drawn in place
            assertEquals(steps.stream(2).stream(7).gaussian(org.nd4j.linalg.api.buffer.DataType.FLOAT, 17, 40, shape),
                    ahead.noise(2, 7));
        }
        // runs on several threads share the one background thread; a draw it has not done in time is
        // drawn in place, with the same values
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> runs = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                long first = 1000L * r;
                runs.add(pool.submit(() -> {
                    try (StepNoise noise = new StepNoise(steps, first, 2048, new long[] {2}, 30, true)) {
                        for (int k = 0; k < 30; k++) {
                            INDArray expected = steps.stream(k).stream(0).gaussian(
                                    org.nd4j.linalg.api.buffer.DataType.FLOAT, first, 2048, 2);
                            if (!expected.equals(noise.noise(k, 0))) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (java.util.concurrent.Future<Boolean> f : runs) {
                assertTrue(f.get(), "a concurrent run drew other values");
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
        // samplers give the same samples either way
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, sde);
        List<PredictorCorrectorSampler.Builder> samplers = List.of(
                PredictorCorrectorSampler.builder().steps(25).predictor(Predictor.eulerMaruyama()),
                PredictorCorrectorSampler.builder().steps(25).corrector(new LangevinCorrector(0.16, 2)),
                PredictorCorrectorSampler.builder().steps(25).predictor(Predictor.ancestral()));
        for (PredictorCorrectorSampler.Builder b : samplers) {
            INDArray ahead = b.noiseAhead(true).build().sample(sde, score, 300, 9).samples();
            INDArray inPlace = b.noiseAhead(false).build().sample(sde, score, 300, 9).samples();
            assertEquals(inPlace, ahead, b.build().toString());
        }
        assertTrue(!StepNoise.aheadByDefault(20), "small draws are drawn in place");
        assertEquals(Runtime.getRuntime().availableProcessors() >= 2, StepNoise.aheadByDefault(2L << 20));
    }

    @Test
    void reportedEvaluationsEqualTheCallsMade() {
        Sde sde = new SubVpSde();
        CountingScore score = new CountingScore(new ExactMixtureScore(EIGHT, sde));
        SamplingResult r = PredictorCorrectorSampler.builder().steps(30).corrector(new LangevinCorrector(0.1, 3))
                .build().sample(sde, score, 16, 1);
        assertEquals(30 * 4, r.scoreEvaluations());
        assertEquals(30 * 4, score.calls.get());
        score.calls.set(0);
        SamplingResult chunked = PredictorCorrectorSampler.builder().steps(30).chunkSize(8).build()
                .sample(sde, score, 16, 1);
        assertEquals(60, chunked.scoreEvaluations(), "NFE is per sample, not per chunk");
        assertEquals(120, score.calls.get());
        score.calls.set(0);
        SamplingResult ode = ProbabilityFlowSampler.builder().solver(new RungeKutta4Solver(10)).denoise(true).build()
                .sample(sde, score, 16, 1);
        assertEquals(41, ode.scoreEvaluations());
        assertEquals(41, score.calls.get());
        assertArrayEquals(new long[] {16, 2}, ode.samples().shape());
    }

    @Test
    void aNanStopsSamplingWithTheStepAndTime() {
        Sde sde = new VpSde();
        ExactMixtureScore exact = new ExactMixtureScore(EIGHT, sde);
        ScoreFunction poisoned = new ScoreFunction() {
            @Override
            public long[] sampleShape() {
                return new long[] {2};
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                INDArray s = exact.score(x, t);
                return t.getDouble(0) < 0.5 ? s.putScalar(3, 1, Double.NaN) : s;
            }
        };
        // grid linspace(1, 0.001, 100): the first time below 0.5 is t_50 = 1 - 0.999 * 50 / 99
        SamplingDivergedException e = assertThrows(SamplingDivergedException.class,
                () -> PredictorCorrectorSampler.eulerMaruyama(100).sample(sde, poisoned, 8, 1));
        assertEquals(50, e.step());
        assertEquals(1 - 0.999 * 50 / 99, e.time(), 1e-12);
        assertTrue(e.getMessage().startsWith("Sampling diverged: NaN in x at step 50 of 100 (t = 0.495455)"),
                e.getMessage());
    }

    @Test
    void listenerSeesEveryStep() {
        Sde sde = new VpSde();
        List<Double> times = new ArrayList<>();
        PredictorCorrectorSampler.builder().steps(20).listener((k, n, t, x) -> {
            assertEquals(times.size(), k);
            assertEquals(20, n);
            times.add(t);
        }).build().sample(sde, new ExactMixtureScore(EIGHT, sde), 4, 0);
        assertEquals(20, times.size());
        assertEquals(1.0, times.get(0));
        assertEquals(1e-3, times.get(19), 1e-15);
    }

    @Test
    void replacedStatesAreReleasedAndTheResultIsNot() {
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, sde);
        // a listener may not keep the state; this one does, only to see what the sampler freed
        List<INDArray> states = new ArrayList<>();
        SamplingResult r = PredictorCorrectorSampler.builder().steps(30).denoise(false)
                .listener((k, n, t, x) -> states.add(x)).build().sample(sde, score, 64, RandomSource.of(3));
        assertEquals(30, states.size());
        for (int k = 0; k < states.size() - 1; k++) {
            assertTrue(states.get(k).wasClosed(), "state after step " + k + " still held");
        }
        assertTrue(!r.samples().wasClosed());
        assertTrue(Double.isFinite(r.samples().sumNumber().doubleValue()));
        // steps that return their input unchanged keep it alive: no predictor and no corrector give
        // back the prior draw itself
        SamplingResult still = PredictorCorrectorSampler.builder().steps(5).predictor(Predictor.none())
                .corrector(Corrector.none()).build().sample(sde, score, 8, RandomSource.of(3));
        assertEquals(sde.priorSample(RandomSource.of(3).stream(PredictorCorrectorSampler.PRIOR_STREAM), 0, 8,
                new long[] {2}), still.samples());
    }

    @Test
    void timeGridIsUniformAndIndexesTheDiscreteSchedule() {
        TimeGrid g = TimeGrid.uniform(1, 1e-3, 1000);
        assertEquals(1000, g.steps());
        assertEquals(1e-3, g.stepSize(0), 1e-15);
        assertEquals(1e-3, g.stepSize(999), 1e-15);
        assertEquals(999, g.discreteIndex(0));
        assertEquals(0, g.discreteIndex(999));
        assertRejects(() -> TimeGrid.of(1, 0.5, 0.5), "strictly decreasing", "index 2");
        assertRejects(() -> TimeGrid.uniform(1, 1.5, 10), "end must be smaller than start");
        assertRejects(() -> TimeGrid.uniform(1, 0.1, -5), "steps must be positive", "-5");
    }

    @Test
    void rejectsBadArgumentsWithClearMessages() {
        Sde vp = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, vp);
        assertRejects(() -> PredictorCorrectorSampler.builder().steps(-1), "steps must be positive", "-1");
        assertRejects(() -> PredictorCorrectorSampler.builder().endTime(0), "endTime must lie in (0, T)", "0.0");
        assertRejects(() -> PredictorCorrectorSampler.builder().endTime(1.5).build().sample(vp, score, 4, 0),
                "endTime must lie in (0, 1.0)", "1.5");
        assertRejects(() -> PredictorCorrectorSampler.builder().grid(TimeGrid.of(2, 1)).build()
                .sample(vp, score, 4, 0), "must start at or before T = 1.0", "2.0");
        Sde subVp = new SubVpSde();
        assertRejects(() -> PredictorCorrectorSampler.ancestral(10).sample(subVp, new ExactMixtureScore(EIGHT, subVp), 4,
                0),
                "AncestralSamplingPredictor needs an SDE with a discrete schedule (VpSde, VeSde); got SubVpSde");
        assertRejects(() -> PredictorCorrectorSampler.eulerMaruyama(10).sample(vp, score, 0, 0), "n must be positive");
        assertRejects(() -> new LangevinCorrector(-0.1, 1), "snr must be positive", "-0.1");
        assertRejects(() -> new LangevinCorrector(0.1, 0), "steps must be positive", "0");
        assertRejects(() -> ProbabilityFlowSampler.create().decode(vp, score, Nd4j.zeros(4, 3)),
                "latent must have shape [batch, 2]", "[4, 3]");
        assertRejects(() -> ProbabilityFlowSampler.create().decode(vp, score,
                Nd4j.createFromArray(new float[][] {{Float.NaN, 0}})), "latent must be finite");
        assertRejects(() -> ProbabilityFlowSampler.builder().dataType(org.nd4j.linalg.api.buffer.DataType.INT),
                "dataType must be FLOAT or DOUBLE");
        assertTrue(PredictorCorrectorSampler.builder().build().toString().contains("LangevinCorrector[snr=0.16"));
    }

    @Test
    void probabilityFlowDecodesAGivenLatentDeterministically() {
        Sde vp = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, vp);
        INDArray z = RandomSource.of(2).gaussian(org.nd4j.linalg.api.buffer.DataType.FLOAT, 0, 32, 2);
        INDArray a = ProbabilityFlowSampler.create().decode(vp, score, z).samples();
        INDArray b = ProbabilityFlowSampler.create().decode(vp, score, z.dup()).samples();
        assertEquals(a, b);
        // decoded points land near a mode (std 0.1, radius 2)
        INDArray r = a.norm2(1);
        assertTrue(r.minNumber().doubleValue() > 1.5 && r.maxNumber().doubleValue() < 2.5, r.toString());
    }

    @Test
    void theDefaultFlowSamplerUsesPiControlDownToTheEndTimeAndTheClassicalControllerUpToT() {
        ProbabilityFlowSampler def = ProbabilityFlowSampler.builder().tolerances(1e-6, 2e-6).build();
        DormandPrince45 down = (DormandPrince45) def.solver();
        DormandPrince45 up = (DormandPrince45) def.encodingSolver();
        assertEquals(DormandPrince45.PI_STABILIZATION, down.stabilization(), 0);
        assertEquals(0, up.stabilization(), 0);
        assertEquals(1e-6, down.rtol(), 0);
        assertEquals(2e-6, up.atol(), 0);
        RungeKutta4Solver rk = new RungeKutta4Solver(10);
        ProbabilityFlowSampler given = ProbabilityFlowSampler.builder().solver(rk).tolerances(1e-3, 1e-3).build();
        assertTrue(given.solver() == rk && given.encodingSolver() == rk, given.toString());
        assertRejects(() -> ProbabilityFlowSampler.builder().tolerances(0, 1e-5), "rtol must be positive");

        // down to the end time, eight-gaussians VP, float64, three latents of 1024: PI control makes
        // fewer evaluations than the classical controller at the same tolerances, and its samples are
        // as close to a tight solve (rtol = atol = 1e-9): RMS error at most 1.5x the classical one's
        Sde vp = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(EIGHT, vp);
        ProbabilityFlowSampler pi = ProbabilityFlowSampler.builder().dataType(DataType.DOUBLE).build();
        ProbabilityFlowSampler classical = ProbabilityFlowSampler.builder().dataType(DataType.DOUBLE)
                .solver(new DormandPrince45()).build();
        ProbabilityFlowSampler tight = ProbabilityFlowSampler.builder().dataType(DataType.DOUBLE)
                .solver(new DormandPrince45(1e-9, 1e-9)).build();
        int nfePi = 0;
        int nfeClassical = 0;
        double errPi = 0;
        double errClassical = 0;
        for (int seed = 0; seed < 3; seed++) {
            INDArray z = RandomSource.of(seed).gaussian(DataType.DOUBLE, 0, 1024, 2);
            INDArray truth = tight.decode(vp, score, z).samples();
            SamplingResult a = pi.decode(vp, score, z);
            SamplingResult b = classical.decode(vp, score, z);
            nfePi += a.scoreEvaluations();
            nfeClassical += b.scoreEvaluations();
            errPi += a.samples().sub(truth).norm2Number().doubleValue();
            errClassical += b.samples().sub(truth).norm2Number().doubleValue();
        }
        assertTrue(nfePi < nfeClassical, "evaluations: PI " + nfePi + ", classical " + nfeClassical);
        assertTrue(errPi <= 1.5 * errClassical, "error: PI " + errPi + ", classical " + errClassical);
    }
}
