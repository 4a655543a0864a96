package io.github.scoresde.samplers;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Discretization;
import io.github.scoresde.sde.ReverseSde;
import io.github.scoresde.sde.Sde;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything one predictor or corrector step needs: the SDE and its discretisation, the score, the
 * grid step k with its time t and step size h, the discrete schedule index i, the per-example time
 * array, and the step's noise.
 *
 * <p>Noise: {@link #noise(int)} returns standard normal values keyed by (seed, step, slot, sample
 * index), so the noise of sample j does not depend on which chunk it is drawn in. Slot 0 is the
 * predictor's; corrector step c uses slot 1 + c.
 */
public final class StepContext {
    private final Sde sde;
    private final Discretization discretization;
    private final ScoreFunction score;
    private final TimeGrid grid;
    private final int step;
    private final SharedTimes times;
    private final IntFunction<INDArray> noise;
    private final long firstIndex;
    private final ReverseSde reverse;

    StepContext(Sde sde, Discretization discretization, ScoreFunction score, TimeGrid grid, int step,
            SharedTimes times, RandomSource stepNoise, long firstIndex) {
        this(sde, discretization, score, grid, step, times, firstIndex, slot -> stepNoise.stream(slot)
                .gaussian(SharedTimes.TYPE, firstIndex, times.rows(), score.sampleShape()));
    }

    /** With the step's noise from {@code noise} (slot to array), e.g. {@link StepNoise}. */
    StepContext(Sde sde, Discretization discretization, ScoreFunction score, TimeGrid grid, int step,
            SharedTimes times, long firstIndex, IntFunction<INDArray> noise) {
        this.sde = sde;
        this.discretization = discretization;
        this.score = score;
        this.grid = grid;
        this.step = step;
        this.times = times;
        this.noise = noise;
        this.firstIndex = firstIndex;
        this.reverse = new ReverseSde(sde, score);
    }

    /** The reverse-time SDE of the forward SDE and the score, what predictors discretise. */
    public ReverseSde reverse() {
        return reverse;
    }

    /** The forward SDE. */
    public Sde sde() {
        return sde;
    }

    /** The SDE discretised on as many levels as the grid has steps. */
    public Discretization discretization() {
        return discretization;
    }

    /** The score model. */
    public ScoreFunction score() {
        return score;
    }

    /** The grid step k (0 at t = T). */
    public int step() {
        return step;
    }

    /** The number of grid steps N. */
    public int steps() {
        return grid.steps();
    }

    /** The current time t_k. */
    public double t() {
        return grid.time(step);
    }

    /** The step size h_k &gt; 0: this step goes from t_k to t_k - h_k. */
    public double stepSize() {
        return grid.stepSize(step);
    }

    /** The discrete schedule index i = N - 1 - k. */
    public int discreteIndex() {
        return grid.discreteIndex(step);
    }

    /**
     * The current time for each example, shape {@code [batch]} float32, shared by the run's steps
     * (filled with t_k when first asked for in a step); do not modify or keep.
     */
    public INDArray times() {
        return times.at(t());
    }

    /** Evaluates the score at (x, t_k), every example at t_k ({@link ScoreFunction#score(INDArray, double)}). */
    public INDArray scoreAt(INDArray x) {
        return score.score(x, t());
    }

    /** The sample index of the first row of the batch. */
    public long firstIndex() {
        return firstIndex;
    }

    /** Fresh standard normal noise shaped like the batch, for the given slot of this step. */
    public INDArray noise(int slot) {
        return noise.apply(slot);
    }
}
