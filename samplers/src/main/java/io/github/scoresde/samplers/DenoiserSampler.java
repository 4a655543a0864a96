package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.ProcessBound;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Denoiser;
import io.github.scoresde.sde.Sde;
import java.time.Duration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the few-step samplers share (docs/math.md section 12): they solve the probability flow of
 * the scaled state y = x / m(t) in the noise level sigma(t) = s(t) / m(t), where it reads
 * dy/dsigma = (y - D(y, sigma)) / sigma with D the {@link Denoiser}, the same for VE, VP and sub-VP.
 * The SDE enters only through m(t), s(t) and the time at a noise level.
 *
 * <p>A run: y = x(T) / m(T) with x(T) the prior draw (or a given latent, {@link #sampleFrom}); one
 * step per interval of the time grid t_0 = T &gt; ... &gt; t_{N-1} = the end time; then a last
 * step from sigma(t_{N-1}) to sigma = 0, which returns the denoiser's estimate D(y, t_{N-1}) of
 * x(0) (as EDM and k-diffusion end). The samples are in data coordinates (m(0) = 1).
 * {@link SamplingResult#scoreEvaluations()} is the number of denoiser calls made per sample,
 * counted.
 *
 * <p>Each call keeps its state (a multistep method's history included) to itself: one sampler
 * may serve several threads. Randomness of the stochastic variants is keyed by sample index, so
 * chunked runs give the samples of one batch (bit for bit with a score whose value for one
 * example does not depend on the others in its batch). The listener sees the scaled state y.
 */
public abstract sealed class DenoiserSampler implements Sampler permits EdmHeunSampler, DpmSolverSampler, DdimSampler {
    private static final Logger LOG = LoggerFactory.getLogger(DenoiserSampler.class);

    private final int steps;
    private final TimeGrid.Spacing spacing;
    private final TimeGrid grid;
    private final Double endTime;
    private final DataType dataType;
    private final int chunkSize;
    private final SamplingListener listener;
    private final Conditioning conditioning;

    DenoiserSampler(Builder<?> b) {
        this.steps = b.steps;
        this.spacing = b.spacing;
        this.grid = b.grid;
        this.endTime = b.endTime;
        this.dataType = b.dataType;
        this.chunkSize = b.chunkSize;
        this.listener = b.listener;
        this.conditioning = b.conditioning;
    }

    /**
     * The time grid used for an SDE: the explicit one, or {@code steps} times from T to the end
     * time by the configured spacing.
     *
     * @throws IllegalArgumentException when an explicit grid starts after T, or the end time has
     *     noise level 0
     */
    public TimeGrid grid(Sde sde) {
        Checks.notNull("sde", sde);
        if (grid != null) {
            grid.within(sde);
            if (grid.steps() < 2) {
                throw new IllegalArgumentException("the time grid needs at least 2 times; got " + grid.steps());
            }
            return grid;
        }
        return spacing.grid(sde, sde.horizon(), EndTime.resolve(endTime, sde), steps);
    }

    @Override
    public final SamplingResult sampleFrom(Sde sde, ScoreFunction score, INDArray latent, RandomSource rng) {
        ProcessBound.check(score, Checks.notNull("sde", sde).spec());
        Checks.notNull("score", score);
        Checks.notNull("rng", rng);
        int n = Checks.batchOf("latent", latent, score.sampleShape());
        Checks.allFinite("latent", latent);
        TimeGrid g = grid(sde);
        double[] t = g.times();
        double[] sigma = new double[t.length];
        for (int k = 0; k < t.length; k++) {
            sigma[k] = sde.noiseLevel(t[k]);
        }
        if (!(sigma[t.length - 1] > 0)) {
            throw new IllegalArgumentException("the grid ends at t = " + t[t.length - 1] + " where the noise level is 0"
                    + " under " + sde + "; end it later");
        }
        LOG.info("sampling {} with {} on {} under {}", n, this, g, sde);
        long start = System.nanoTime();
        int[] evaluations = new int[1];
        INDArray out = Chunks.gather(n, chunkSize, (first, rows) -> {
            INDArray x = rows == n ? latent : latent.get(NDArrayIndex.interval(first, first + rows));
            ScoreFunction conditioned = conditioning.score(score, sde, first, rows);
            Path path = new Path(new Denoiser(sde, conditioned), t, sigma, listener, rng, first, rows,
                    score.sampleShape(), conditioning == Conditioning.NONE ? null
                    : new Hook(conditioning, sde, conditioned, g, rng, first, rows));
            INDArray initial = NdArrays.copyOf(x, dataType);
            if (path.hook != null) {
                initial = path.hook.initial(initial);
            }
            INDArray x0 = run(path, initial.divi(sde.meanCoefficient(t[0])));
            if (path.hook != null) {
                x0 = path.hook.after(x0, t.length, 0);
            }
            SamplingDivergedException.check(x0, t.length - 1, t.length, t[t.length - 1],
                    "the score may be unreliable near the end time; try a larger endTime");
            evaluations[0] = Math.max(evaluations[0], path.evaluations);
            return x0;
        });
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("sampled {} in {} ms, {} score evaluations per sample", n, elapsed.toMillis(), evaluations[0]);
        return new SamplingResult(out, evaluations[0], elapsed);
    }

    /**
     * One run for a batch of scaled states at t_0: the estimate of x(0) after the last step.
     *
     * @param path the grid, the denoiser and the randomness of this run
     * @param y y(t_0), owned by the run (may be overwritten)
     */
    abstract INDArray run(Path path, INDArray y);

    /** Settings of {@link #toString()}. */
    String gridDescription() {
        return grid != null ? grid.toString() : "steps=" + steps + ", spacing=" + spacing + ", endTime="
                + (endTime != null ? endTime : "SDE default");
    }

    /**
     * One run's grid and its denoiser calls, counted, with the step noise keyed by sample index
     * (step k's noise is {@code rng.stream(1).stream(k)}, rows {@code first ..}).
     */
    static final class Path {
        final Denoiser denoiser;
        final double[] t;
        final double[] sigma;
        private final SamplingListener listener;
        private final RandomSource steps;
        private final long first;
        private final int rows;
        private final long[] shape;
        final Hook hook;
        int evaluations;

        Path(Denoiser denoiser, double[] t, double[] sigma, SamplingListener listener, RandomSource rng, long first,
                int rows, long[] shape, Hook hook) {
            this.denoiser = denoiser;
            this.t = t;
            this.sigma = sigma;
            this.listener = listener;
            this.steps = rng.stream(PredictorCorrectorSampler.STEP_STREAM);
            this.first = first;
            this.rows = rows;
            this.shape = shape;
            this.hook = hook;
        }

        /** N, the number of grid times. */
        int size() {
            return t.length;
        }

        /** D(y, t), counted: a new array. */
        INDArray denoise(INDArray y, double time) {
            evaluations++;
            return denoiser.denoiseScaled(y, time);
        }

        /** Standard normal noise of step k for this run's rows, in y's data type. */
        INDArray noise(int k, DataType type) {
            return steps.stream(k).gaussian(type, first, rows, shape);
        }

        /**
         * The state after step k (at t_{k+1}), conditioned if a conditioning is set, checked, and
         * shown to the listener; the state to go on from.
         */
        INDArray stepped(int k, INDArray y) {
            INDArray out = y;
            if (hook != null) {
                double m = denoiser.sde().meanCoefficient(t[k + 1]);
                out = hook.after(y.muli(m), k + 1, t[k + 1]).divi(m);
            }
            SamplingDivergedException.check(out, k, t.length, t[k], "try more steps");
            listener.onStep(k, t.length, t[k], out);
            return out;
        }
    }

    /**
     * A {@link Conditioning}'s hook in a few-step run: the starting state, and the state in data
     * coordinates x = m(t) y after every step (as after a predictor step of the predictor-corrector
     * loop), including the last one, at t = 0. Its noise is keyed by sample index
     * ({@code rng.stream(2).stream(k)} for step k, stream 0 for the start).
     */
    static final class Hook {
        private final Conditioning conditioning;
        private final Sde sde;
        private final ScoreFunction score;
        private final TimeGrid grid;
        private final io.github.scoresde.sde.Discretization discretization;
        private final RandomSource noise;
        private final long first;
        private final SharedTimes times;

        Hook(Conditioning conditioning, Sde sde, ScoreFunction score, TimeGrid grid, RandomSource rng, long first,
                int rows) {
            this.conditioning = conditioning;
            this.sde = sde;
            this.score = score;
            this.grid = grid;
            this.discretization = sde.discretize(grid.steps());
            this.noise = rng.stream(PredictorCorrectorSampler.CONDITIONING_STREAM);
            this.first = first;
            this.times = new SharedTimes(rows);
        }

        private StepContext context(int k) {
            return new StepContext(sde, discretization, score, grid, Math.min(k, grid.steps() - 1), times,
                    noise.stream(k), first);
        }

        INDArray initial(INDArray x) {
            return conditioning.initial(context(0), x);
        }

        INDArray after(INDArray x, int k, double time) {
            return conditioning.afterStep(context(k), new StepResult(x, x), Conditioning.Stage.PREDICTOR, time).x();
        }
    }

    /**
     * The settings every few-step sampler has.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private int steps;
        private TimeGrid.Spacing spacing;
        private TimeGrid grid;
        private Double endTime;
        private DataType dataType = DataType.FLOAT;
        private int chunkSize;
        private SamplingListener listener = SamplingListener.none();
        private Conditioning conditioning = Conditioning.NONE;

        Builder(int steps, TimeGrid.Spacing spacing) {
            this.steps = steps;
            this.spacing = spacing;
        }

        abstract B self();

        /** N, the number of grid times from T to the end time, &gt;= 2. */
        public B steps(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("steps must be at least 2; got " + n);
            }
            this.steps = n;
            return self();
        }

        /** How the grid's times are placed (see the sampler's default). */
        public B spacing(TimeGrid.Spacing s) {
            this.spacing = Checks.notNull("spacing", s);
            return self();
        }

        /** An explicit time grid of at least 2 times, replacing steps, spacing and endTime. */
        public B grid(TimeGrid g) {
            this.grid = Checks.notNull("grid", g);
            return self();
        }

        /** The last time of the grid, in (0, T) (default: the SDE's {@code defaultEndTime()}). */
        public B endTime(double t) {
            this.endTime = EndTime.check(t);
            return self();
        }

        /** The data type of the state: FLOAT (default) or DOUBLE. */
        public B dataType(DataType t) {
            this.dataType = EndTime.checkStateType(t);
            return self();
        }

        /** Process at most this many samples at a time (default 0: all at once). */
        public B chunkSize(int size) {
            this.chunkSize = Checks.nonNegative("chunkSize", size);
            return self();
        }

        /**
         * Conditioning through the same hook as the predictor-corrector loop (default none): its
         * score (guidance) serves every evaluation; its state rewrite (inpainting, colorization)
         * runs on x = m(t) y after every step and after the last, at t = 0. With a rewrite that
         * draws fresh noise, a deterministic sampler's samples are no longer a function of the
         * latent alone.
         */
        public B conditioning(Conditioning c) {
            this.conditioning = Checks.notNull("conditioning", c);
            return self();
        }

        /** Progress listener, called after every step with the scaled state (default none). */
        public B listener(SamplingListener l) {
            this.listener = Checks.notNull("listener", l);
            return self();
        }
    }
}
