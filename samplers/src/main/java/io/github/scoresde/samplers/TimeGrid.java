package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import java.util.Arrays;

/**
 * The decreasing times t_0 = T &gt; t_1 &gt; ... &gt; t_{N-1} = end at which a sampler evaluates
 * the score, one per step, passed to a sampler as data rather than stored in the SDE.
 *
 * <p>Step k goes from t_k down by {@link #stepSize(int) h_k = t_k - t_{k+1}}; the last step uses
 * the previous spacing, so a uniform grid has the same step everywhere. With the reference
 * code's grid linspace(T, eps, N) and eps = 1e-3, N = 1000 this is exactly its dt = 1/N.
 * Step k indexes a discrete schedule of N levels at {@link #discreteIndex(int) i = N - 1 - k}.
 */
public final class TimeGrid {
    private final double[] times;

    private TimeGrid(double[] times) {
        this.times = times;
    }

    /**
     * The uniform grid linspace(start, end, steps): steps evaluation times from {@code start}
     * down to {@code end}.
     *
     * @throws IllegalArgumentException unless steps &gt;= 1 and start &gt; end &gt; 0
     */
    public static TimeGrid uniform(double start, double end, int steps) {
        Checks.positive("steps", steps);
        Checks.positive("start", start);
        Checks.positive("end", end);
        if (!(end < start)) {
            throw new IllegalArgumentException("end must be smaller than start; got start = " + start + ", end = "
                    + end);
        }
        double[] t = new double[steps];
        for (int k = 0; k < steps; k++) {
            t[k] = steps == 1 ? start : start + (end - start) * k / (steps - 1);
        }
        t[steps - 1] = steps == 1 ? start : end;
        return new TimeGrid(t);
    }

    /**
     * A grid from explicit times, which must be finite, positive and strictly decreasing.
     */
    public static TimeGrid of(double... times) {
        Checks.notNull("times", times);
        if (times.length == 0) {
            throw new IllegalArgumentException("times must hold at least one time");
        }
        for (int k = 0; k < times.length; k++) {
            Checks.positive("times[" + k + "]", times[k]);
            if (k > 0 && !(times[k] < times[k - 1])) {
                throw new IllegalArgumentException("times must be strictly decreasing; got " + times[k - 1]
                        + " then " + times[k] + " at index " + k);
            }
        }
        return new TimeGrid(times.clone());
    }

    /** N, the number of steps. */
    public int steps() {
        return times.length;
    }

    /** t_k. */
    public double time(int k) {
        return times[k];
    }

    /** The first (largest) time. */
    public double start() {
        return times[0];
    }

    /** The last (smallest) time. */
    public double end() {
        return times[times.length - 1];
    }

    /** h_k = t_k - t_{k+1}; for the last step, the previous spacing (or t_0 for a one-step grid). */
    public double stepSize(int k) {
        if (times.length == 1) {
            return times[0];
        }
        return k < times.length - 1 ? times[k] - times[k + 1] : times[k - 1] - times[k];
    }

    /** The index of step k in a discrete schedule of N levels: N - 1 - k. */
    public int discreteIndex(int k) {
        return times.length - 1 - k;
    }

    @Override
    public String toString() {
        return "TimeGrid[steps=" + times.length + ", from " + start() + " to " + end() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeGrid g && Arrays.equals(g.times, times);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(times);
    }
}
