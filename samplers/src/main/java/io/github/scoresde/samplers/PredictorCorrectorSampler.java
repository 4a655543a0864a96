package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Discretization;
import io.github.scoresde.sde.Sde;
import java.time.Duration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The predictor-corrector loop (Song et al. 2021, Algorithm 1; docs/math.md section 6), the one sampling
 * loop of the library: x ~ p_T; for each grid time t_k from T down to the end time, the corrector's
 * steps at t_k, then one predictor step from t_k. Predictor-only sampling (Euler-Maruyama, DDPM
 * ancestral) uses {@link Corrector#none()}, corrector-only sampling (NCSN's annealed Langevin
 * dynamics) {@link Predictor#none()}.
 *
 * <p>Departure from the paper, as in the reference code: at each level the corrector runs
 * <em>before</em> the predictor (Algorithm 1 predicts first). With {@code denoise} (the default)
 * the result is the noise-free mean of the last step, as in the reference code.
 *
 * <p>Randomness: the prior draw and every step's noise are keyed by sample index, so the same
 * source gives the same samples and {@link Builder#chunkSize chunked} runs give the samples of one
 * batch, for every predictor and corrector whose step does not use batch statistics (all but the
 * default batch-mean {@link LangevinCorrector}; see {@link LangevinCorrector.StepSizeNorm}): bit for
 * bit with a score whose value for one example does not depend on the others in its batch (the
 * exact mixture score). A network's products are blocked by batch size, so a chunk's scores can
 * differ from one batch's by float32 rounding, and over hundreds of steps (Langevin steps above
 * all) a few samples can drift apart: chunked samples are then the same in distribution, not bit
 * for bit. NFE = N (corrector steps + predictor
 * evaluations) per sample. A NaN or infinity stops sampling with {@link SamplingDivergedException}.
 *
 * <p>Threads: on a machine with two or more processors, each step's noise for batches of at least
 * 4096 values is drawn two steps ahead on a background daemon thread ("scoresde-noise-ahead") while
 * the score is evaluated; the values are the same (they are keyed, not streamed).
 * {@link Builder#noiseAhead(boolean)} turns this off (all work on the calling thread) or on.
 */
public final class PredictorCorrectorSampler implements Sampler {
    private static final Logger LOG = LoggerFactory.getLogger(PredictorCorrectorSampler.class);
    /** The reference's number of steps. */
    public static final int DEFAULT_STEPS = 1000;
    static final long STEP_STREAM = 1;
    static final long CONDITIONING_STREAM = 2;

    private final Predictor predictor;
    private final Corrector corrector;
    private final int steps;
    private final Double endTime;
    private final TimeGrid grid;
    private final boolean denoise;
    private final Boolean noiseAhead;
    private final int chunkSize;
    private final SamplingListener listener;
    private final Conditioning conditioning;

    private PredictorCorrectorSampler(Builder b) {
        this.predictor = b.predictor;
        this.corrector = b.corrector;
        this.steps = b.steps;
        this.endTime = b.endTime;
        this.grid = b.grid;
        this.denoise = b.denoise;
        this.noiseAhead = b.noiseAhead;
        this.chunkSize = b.chunkSize;
        this.listener = b.listener;
        this.conditioning = b.conditioning;
    }

    /** A builder with the reference defaults: reverse diffusion + Langevin (snr 0.16), 1000 steps, denoising. */
    public static Builder builder() {
        return new Builder();
    }

    /** Euler-Maruyama on the reverse SDE, no corrector. */
    public static PredictorCorrectorSampler eulerMaruyama(int steps) {
        return builder().predictor(Predictor.eulerMaruyama()).corrector(Corrector.none()).steps(steps).build();
    }

    /** Reverse diffusion + Langevin with the given snr, one corrector step per level. */
    public static PredictorCorrectorSampler reverseDiffusionLangevin(int steps, double snr) {
        return builder().predictor(Predictor.reverseDiffusion()).corrector(Corrector.langevin(snr)).steps(steps)
                .build();
    }

    /** Ancestral sampling (DDPM for VP, SMLD for VE), no corrector. */
    public static PredictorCorrectorSampler ancestral(int steps) {
        return builder().predictor(Predictor.ancestral()).corrector(Corrector.none()).steps(steps).build();
    }

    /** The time grid used for an SDE: the explicit one, or uniform from T to the end time in N steps. */
    public TimeGrid grid(Sde sde) {
        if (grid != null) {
            return grid.within(sde);
        }
        return TimeGrid.uniform(sde.horizon(), EndTime.resolve(endTime, sde), steps);
    }

    @Override
    public SamplingResult sample(Sde sde, ScoreFunction score, int n, RandomSource rng) {
        return run(sde, score, n, null, rng);
    }

    @Override
    public SamplingResult sampleFrom(Sde sde, ScoreFunction score, INDArray latent, RandomSource rng) {
        Checks.notNull("score", score);
        Checks.batchOf("latent", latent, score.sampleShape());
        Checks.allFinite("latent", latent);
        return run(sde, score, (int) latent.size(0), latent, rng);
    }

    private SamplingResult run(Sde sde, ScoreFunction score, int n, INDArray latent, RandomSource rng) {
        io.github.scoresde.core.ProcessBound.check(score, Checks.notNull("sde", sde).spec());
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
        Checks.notNull("rng", rng);
        Checks.positive("n", n);
        predictor.checkApplicable(sde);
        TimeGrid g = grid(sde);
        Discretization disc = sde.discretize(g.steps());
        long[] shape = score.sampleShape();
        LOG.info("sampling {} x {} with {} + {} on {} under {}", n, java.util.Arrays.toString(shape), predictor,
                corrector, g, sde);
        long start = System.nanoTime();
        INDArray result = Chunks.gather(n, chunkSize, (first, rows) -> run(sde, score, disc, g, rng, first, rows,
                latent == null ? sde.priorSample(rng.stream(PRIOR_STREAM), first, rows, shape)
                        : NdArrays.copyOf(latent.get(NDArrayIndex.interval(first, first + rows)), DataType.FLOAT)));
        int nfe = g.steps() * (corrector.scoreEvaluations() + predictor.scoreEvaluations());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("sampled {} in {} ms, {} score evaluations per sample", n, elapsed.toMillis(), nfe);
        return new SamplingResult(result, nfe, elapsed);
    }

    private INDArray run(Sde sde, ScoreFunction score, Discretization disc, TimeGrid g, RandomSource rng,
            long first, int rows, INDArray prior) {
        long[] shape = score.sampleShape();
        INDArray x = prior;
        SharedTimes times = new SharedTimes(rows);
        ScoreFunction s = conditioning.score(score, sde, first, rows);
        x = conditioning.initial(new StepContext(sde, disc, s, g, 0, times, rng.stream(CONDITIONING_STREAM), first),
                x);
        INDArray mean = x;
        int n = g.steps();
        try (StepNoise noise = new StepNoise(rng.stream(STEP_STREAM), first, rows, shape, n, noiseAhead)) {
            for (int k = 0; k < n; k++) {
                double t = g.time(k);
                INDArray before = x;
                INDArray meanBefore = mean;
                int step = k;
                StepContext ctx = new StepContext(sde, disc, s, g, k, times, first, slot -> noise.noise(step, slot));
                StepResult c = conditioning.afterStep(ctx, corrector.correct(ctx, x), Conditioning.Stage.CORRECTOR, t);
                StepResult p = conditioning.afterStep(ctx, predictor.step(ctx, c.x()), Conditioning.Stage.PREDICTOR,
                        Math.max(0, t - g.stepSize(k)));
                x = p.x();
                mean = predictor.scoreEvaluations() == 0 ? c.mean() : p.mean();
                SamplingDivergedException.check(x, k, n, t, "try more steps or a smaller snr");
                listener.onStep(k, n, t, x);
                releaseDead(x, mean, before, meanBefore, c.x(), c.mean(), p.mean());
            }
        }
        return denoise ? mean : x;
    }

    /**
     * Frees the step's arrays that nothing reads any more (the previous state and means), now
     * rather than when the garbage collector finds them (NdArrays.release). Predictors, correctors
     * and conditioning return new arrays or their input itself; an array that is one of the two
     * survivors is kept, and nothing is freed in a step whose survivors are views (they could share
     * memory with an array that looks dead).
     */
    private static void releaseDead(INDArray x, INDArray mean, INDArray... candidates) {
        if (!x.isView() && !mean.isView()) {
            NdArrays.releaseExcept(new INDArray[] {x, mean}, candidates);
        }
    }

    @Override
    public String toString() {
        return "PredictorCorrectorSampler[predictor=" + predictor + ", corrector=" + corrector + ", steps="
                + (grid != null ? grid.steps() : steps) + ", endTime=" + (grid != null ? grid.end()
                : endTime != null ? endTime : "SDE default") + ", denoise=" + denoise + ", chunkSize=" + chunkSize + ", conditioning=" + conditioning + "]";
    }

    /** Builder; every setting has the reference default. */
    public static final class Builder {
        private Predictor predictor = Predictor.reverseDiffusion();
        private Corrector corrector = Corrector.langevin(LangevinCorrector.DEFAULT_SNR);
        private int steps = DEFAULT_STEPS;
        private Double endTime;
        private TimeGrid grid;
        private boolean denoise = true;
        private Boolean noiseAhead;
        private int chunkSize;
        private SamplingListener listener = SamplingListener.none();
        private Conditioning conditioning = Conditioning.none();

        private Builder() {
        }

        /** Conditioning acting through the loop's hook (default none). */
        public Builder conditioning(Conditioning c) {
            this.conditioning = Checks.notNull("conditioning", c);
            return this;
        }

        /** The predictor (default reverse diffusion). */
        public Builder predictor(Predictor p) {
            this.predictor = Checks.notNull("predictor", p);
            return this;
        }

        /** The corrector (default Langevin, snr 0.16, one step). */
        public Builder corrector(Corrector c) {
            this.corrector = Checks.notNull("corrector", c);
            return this;
        }

        /** N, the number of grid steps (default 1000). */
        public Builder steps(int n) {
            this.steps = Checks.positive("steps", n);
            return this;
        }

        /** The last time of the grid, in (0, T) (default: the SDE's {@code defaultEndTime()}). */
        public Builder endTime(double t) {
            this.endTime = EndTime.check(t);
            return this;
        }

        /** An explicit time grid, replacing steps and endTime. */
        public Builder grid(TimeGrid g) {
            this.grid = Checks.notNull("grid", g);
            return this;
        }

        /**
         * Whether each step's noise is drawn ahead on a background thread while the score is
         * evaluated (the same values either way). Default: when the machine has two or more
         * processors and a draw holds at least 4096 values.
         */
        public Builder noiseAhead(boolean ahead) {
            this.noiseAhead = ahead;
            return this;
        }

        /** Return the last step's noise-free mean (default true). */
        public Builder denoise(boolean d) {
            this.denoise = d;
            return this;
        }

        /** Process at most this many samples at a time (default 0: all at once). */
        public Builder chunkSize(int size) {
            this.chunkSize = Checks.nonNegative("chunkSize", size);
            return this;
        }

        /** Progress listener (default none). */
        public Builder listener(SamplingListener l) {
            this.listener = Checks.notNull("listener", l);
            return this;
        }

        /** Builds the sampler. */
        public PredictorCorrectorSampler build() {
            return new PredictorCorrectorSampler(this);
        }
    }
}
