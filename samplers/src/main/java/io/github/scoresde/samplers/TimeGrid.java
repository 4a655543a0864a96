package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import io.github.scoresde.sde.Sde;
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
     * EDM's grid (Karras et al. 2022, eq. 5): {@code count} times from {@code start} down to
     * {@code end} whose noise levels ({@link Sde#noiseLevel}) are sigma_k = (sigma_0^(1/rho) +
     * k / (count - 1) (sigma_end^(1/rho) - sigma_0^(1/rho)))^rho, dense at low noise for rho &gt; 1
     * (rho = 7 in EDM).
     *
     * @throws IllegalArgumentException unless count &gt;= 2, T &gt;= start &gt; end &gt; 0, rho &gt; 0, and
     *     the SDE's noise level at {@code end} is positive
     */
    public static TimeGrid edm(Sde sde, double start, double end, int count, double rho) {
        Checks.positive("rho", rho);
        double[] t = spacedTimes(sde, start, end, count);
        double a = Math.pow(sde.noiseLevel(start), 1 / rho);
        double b = Math.pow(sde.noiseLevel(end), 1 / rho);
        for (int k = 1; k < count - 1; k++) {
            t[k] = sde.timeAtNoiseLevel(Math.pow(a + (b - a) * k / (count - 1), rho));
        }
        return checked(t);
    }

    /**
     * {@code count} times from {@code start} down to {@code end}, uniform in the log signal-to-noise
     * ratio {@link Sde#logSnr lambda(t)} (DPM-Solver's choice).
     *
     * @throws IllegalArgumentException as {@link #edm} does
     */
    public static TimeGrid uniformLogSnr(Sde sde, double start, double end, int count) {
        double[] t = spacedTimes(sde, start, end, count);
        double a = sde.logSnr(start);
        double b = sde.logSnr(end);
        for (int k = 1; k < count - 1; k++) {
            t[k] = sde.timeAtLogSnr(a + (b - a) * k / (count - 1));
        }
        return checked(t);
    }

    /** A rule that places a given number of times between two ends for an SDE. */
    @FunctionalInterface
    public interface Spacing {
        /**
         * The grid of {@code count} times from {@code start} down to {@code end}.
         *
         * @throws IllegalArgumentException for ends or counts the rule cannot place
         */
        TimeGrid grid(Sde sde, double start, double end, int count);

        /** Uniform in t ({@link TimeGrid#uniform}). */
        static Spacing uniformTime() {
            return named("uniform in t", (sde, start, end, count) -> TimeGrid.uniform(start, end, count));
        }

        /** EDM's sigma schedule with exponent rho ({@link TimeGrid#edm}; EDM uses rho = 7). */
        static Spacing edm(double rho) {
            Checks.positive("rho", rho);
            return named("EDM rho = " + rho, (sde, start, end, count) -> TimeGrid.edm(sde, start, end, count, rho));
        }

        /** Uniform in log-SNR ({@link TimeGrid#uniformLogSnr}). */
        static Spacing uniformLogSnr() {
            return named("uniform in log-SNR", TimeGrid::uniformLogSnr);
        }

        private static Spacing named(String name, Spacing s) {
            return new Spacing() {
                @Override
                public TimeGrid grid(Sde sde, double start, double end, int count) {
                    return s.grid(sde, start, end, count);
                }

                @Override
                public String toString() {
                    return name;
                }
            };
        }
    }

    private static double[] spacedTimes(Sde sde, double start, double end, int count) {
        Checks.notNull("sde", sde);
        if (count < 2) {
            throw new IllegalArgumentException("count must be at least 2; got " + count);
        }
        if (!(start <= sde.horizon() && end > 0 && end < start)) {
            throw new IllegalArgumentException("the grid needs T = " + sde.horizon() + " >= start > end > 0; got start = "
                    + start + ", end = " + end);
        }
        if (!(sde.noiseLevel(end) > 0)) {
            throw new IllegalArgumentException("the noise level at end = " + end + " is 0 under " + sde
                    + "; choose a later end time");
        }
        double[] t = new double[count];
        t[0] = start;
        t[count - 1] = end;
        return t;
    }

    private static TimeGrid checked(double[] t) {
        for (int k = 1; k < t.length; k++) {
            if (!(t[k] < t[k - 1])) {
                throw new IllegalArgumentException("the grid's times are not strictly decreasing at index " + k + " ("
                        + t[k - 1] + " then " + t[k] + "); use fewer times");
            }
        }
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

    /**
     * This grid, checked to lie within the SDE's time range.
     *
     * @throws IllegalArgumentException when the grid starts after T
     */
    public TimeGrid within(Sde sde) {
        if (times[0] > sde.horizon()) {
            throw new IllegalArgumentException("the time grid must start at or before T = " + sde.horizon()
                    + "; it starts at " + times[0]);
        }
        return this;
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

    /** A copy of the times t_0 &gt; ... &gt; t_{N-1}. */
    public double[] times() {
        return times.clone();
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
