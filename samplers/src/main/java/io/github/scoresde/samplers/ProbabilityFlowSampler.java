package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.samplers.ode.DormandPrince45;
import io.github.scoresde.samplers.ode.OdeSolution;
import io.github.scoresde.samplers.ode.OdeSolver;
import io.github.scoresde.sde.ProbabilityFlowOde;
import io.github.scoresde.sde.Sde;
import java.time.Duration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sampling by the probability-flow ODE (docs/math.md section 6): x(T) ~ p_T, integrated from T down to
 * the end time with any {@link OdeSolver} (Dormand-Prince 5(4), rtol = atol = 1e-5 by default, as
 * in the reference). Deterministic given x(T): {@link #decode} maps a latent code to data.
 *
 * <p>The default solver depends on the direction. Down to the end time ({@link #sample},
 * {@link #decode}) it is Dormand-Prince with Hairer's PI step control
 * ({@link DormandPrince45#PI_STABILIZATION}): near the end time the flow's step size is held back by
 * stability and the classical controller alternates accepted and rejected steps; PI control damps
 * that, for fewer evaluations at the same tolerances and accuracy (on the exact mixtures of the
 * benchmarks, with errors against a tight solve equal within their spread). Up to T ({@link #encode}), where steps grow from small ones, it is
 * the classical controller, which makes fewer evaluations there. A solver given to
 * {@link Builder#solver} serves both directions.
 *
 * <p>Optional final denoising: one reverse-diffusion step at the end time without noise
 * (x - f_0(x) + G_0^2 s(x, eps) with the SDE's one-level discretisation), one more evaluation.
 * The state is integrated in the configured data type (float32 by default, float64 on request).
 */
public final class ProbabilityFlowSampler implements Sampler {
    private static final Logger LOG = LoggerFactory.getLogger(ProbabilityFlowSampler.class);

    private final OdeSolver solver;
    private final OdeSolver encodingSolver;
    private final Double endTime;
    private final boolean denoise;
    private final DataType dataType;
    private final java.util.function.DoubleConsumer progress;
    private final int chunkSize;

    private ProbabilityFlowSampler(Builder b) {
        DormandPrince45 classical = new DormandPrince45(b.rtol, b.atol);
        this.solver = b.solver != null ? b.solver
                : classical.withStepControl(DormandPrince45.DEFAULT_SAFETY, DormandPrince45.PI_STABILIZATION);
        this.encodingSolver = b.solver != null ? b.solver : classical;
        this.endTime = b.endTime;
        this.denoise = b.denoise;
        this.dataType = b.dataType;
        this.progress = b.progress;
        this.chunkSize = b.chunkSize;
    }

    /**
     * A builder: Dormand-Prince rtol = atol = 1e-5 (PI step control down to the end time, the
     * classical one up to T), the SDE's end time, no denoising, float32.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults of {@link #builder()}. */
    public static ProbabilityFlowSampler create() {
        return builder().build();
    }

    /** The solver of {@link #sample} and {@link #decode} (from T down to the end time). */
    public OdeSolver solver() {
        return solver;
    }

    /** The solver of {@link #encode} (from the end time up to T). */
    public OdeSolver encodingSolver() {
        return encodingSolver;
    }

    /** The end time used for an SDE. */
    public double endTime(Sde sde) {
        return EndTime.resolve(endTime, sde);
    }

    /**
     * {@link #decode} in chunks of {@link Builder#chunkSize} rows (the adaptive steps follow each
     * chunk's own error, so the samples equal one batch's to the solver's tolerance); the
     * evaluations reported are the largest chunk's. {@code rng} is not used.
     */
    @Override
    public SamplingResult sampleFrom(Sde sde, ScoreFunction score, INDArray latent, RandomSource rng) {
        Checks.notNull("score", score);
        int n = Checks.batchOf("latent", latent, score.sampleShape());
        int[] evaluations = new int[1];
        Duration[] elapsed = {Duration.ZERO};
        INDArray x = Chunks.gather(n, chunkSize, (first, rows) -> {
            SamplingResult part = decode(sde, score, rows == n ? latent
                    : latent.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(first, first + rows)));
            evaluations[0] = Math.max(evaluations[0], part.scoreEvaluations());
            elapsed[0] = elapsed[0].plus(part.elapsed());
            return part.samples();
        });
        return new SamplingResult(x, evaluations[0], elapsed[0]);
    }

    /**
     * Integrates the flow from T down to the end time starting at the given latent codes.
     *
     * @param latent x(T), {@code [n, sampleShape...]}, not modified
     */
    public SamplingResult decode(Sde sde, ScoreFunction score, INDArray latent) {
        io.github.scoresde.core.ProcessBound.check(score, Checks.notNull("sde", sde).spec());
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
        int n = Checks.batchOf("latent", latent, score.sampleShape());
        Checks.allFinite("latent", latent);
        double end = endTime(sde);
        LOG.info("probability-flow sampling of {} with {} from T = {} to {} under {}", n, solver, sde.horizon(), end,
                sde);
        long start = System.nanoTime();
        ProbabilityFlowOde flow = sde.probabilityFlow(score);
        OdeSolution sol = solver.solve(reporting(flow, sde.horizon(), end), sde.horizon(), end,
                latent.castTo(dataType));
        INDArray x = sol.y();
        int nfe = sol.evaluations();
        if (denoise) {
            x = ReverseDiffusionPredictor.mean(sde.reverse(score), sde.discretize(1), 0, end, x, score.score(x, end));
            nfe++;
        }
        SamplingDivergedException.check(x, sol.acceptedSteps(), sol.acceptedSteps(), end,
                "the score may be unreliable near the end time; try a larger endTime");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("probability flow: {} evaluations ({} accepted, {} rejected steps) in {} ms", nfe,
                sol.acceptedSteps(), sol.rejectedSteps(), elapsed.toMillis());
        return new SamplingResult(x, nfe, elapsed);
    }

    /**
     * Encodes data into latent codes: integrates the flow from the end time up to T (docs/math.md
     * section 6). The code is fixed by the data and the SDE (with the true score), not by the
     * network's parameters. No denoising step applies.
     *
     * @param x data {@code [n, sampleShape...]}, not modified
     * @return the codes x(T) in {@link SamplingResult#samples()}, with the evaluations made
     */
    public SamplingResult encode(Sde sde, ScoreFunction score, INDArray x) {
        io.github.scoresde.core.ProcessBound.check(score, Checks.notNull("sde", sde).spec());
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
        Checks.batchOf("x", x, score.sampleShape());
        Checks.allFinite("x", x);
        double end = endTime(sde);
        long start = System.nanoTime();
        OdeSolution sol = encodingSolver.solve(reporting(sde.probabilityFlow(score), end, sde.horizon()), end,
                sde.horizon(), x.castTo(dataType));
        SamplingDivergedException.check(sol.y(), sol.acceptedSteps(), sol.acceptedSteps(), sde.horizon(),
                "the score may be unreliable; check the model");
        return new SamplingResult(sol.y(), sol.evaluations(), Duration.ofNanos(System.nanoTime() - start));
    }

    @Override
    public String toString() {
        return "ProbabilityFlowSampler[solver=" + solver + (encodingSolver == solver ? "" : ", encodingSolver="
                + encodingSolver) + ", endTime=" + (endTime != null ? endTime : "SDE default")
                + ", denoise=" + denoise + ", dataType=" + dataType + "]";
    }

    private io.github.scoresde.core.OdeSystem reporting(io.github.scoresde.core.OdeSystem f, double from, double to) {
        return progress == null ? f : io.github.scoresde.core.OdeSystem.reporting(f, from, to, progress);
    }

    /** Builder. */
    public static final class Builder {
        private OdeSolver solver;
        private double rtol = DormandPrince45.DEFAULT_TOLERANCE;
        private double atol = DormandPrince45.DEFAULT_TOLERANCE;
        private Double endTime;
        private boolean denoise;
        private DataType dataType = DataType.FLOAT;
        private int chunkSize;
        private java.util.function.DoubleConsumer progress;

        private Builder() {
        }

        /** Reports the fraction of each solve done (for a progress bar); default: none. */
        public Builder progress(java.util.function.DoubleConsumer p) {
            this.progress = Checks.notNull("progress", p);
            return this;
        }

        /**
         * One ODE solver for both directions, in place of the default pair (Dormand-Prince, PI
         * step control down to the end time, classical up to T; see the class comment).
         */
        public Builder solver(OdeSolver s) {
            this.solver = Checks.notNull("solver", s);
            return this;
        }

        /**
         * The default pair of Dormand-Prince solvers with these tolerances (default 1e-5 each);
         * ignored once {@link #solver} is given.
         *
         * @param rtol relative tolerance &gt; 0
         * @param atol absolute tolerance &gt; 0
         */
        public Builder tolerances(double rtol, double atol) {
            this.rtol = Checks.positive("rtol", rtol);
            this.atol = Checks.positive("atol", atol);
            return this;
        }

        /** The time to integrate down to, in (0, T) (default: the SDE's {@code defaultEndTime()}). */
        public Builder endTime(double t) {
            this.endTime = EndTime.check(t);
            return this;
        }

        /**
         * Samples {@code size} at a time (0, the default: all at once), each chunk from the prior
         * rows one batch would draw; evaluations reported are the largest chunk's.
         */
        public Builder chunkSize(int size) {
            this.chunkSize = Checks.nonNegative("chunkSize", size);
            return this;
        }

        /** Take a final noise-free reverse-diffusion step (default false). */
        public Builder denoise(boolean d) {
            this.denoise = d;
            return this;
        }

        /** The data type of the integrated state: FLOAT (default) or DOUBLE. */
        public Builder dataType(DataType t) {
            this.dataType = EndTime.checkStateType(t);
            return this;
        }

        /** Builds the sampler. */
        public ProbabilityFlowSampler build() {
            return new ProbabilityFlowSampler(this);
        }
    }
}
