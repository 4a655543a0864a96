package io.github.scoresde.samplers;

/**
 * A NaN or infinity appeared in the sampler's state; sampling stopped at that step rather than
 * returning garbage.
 */
public final class SamplingDivergedException extends io.github.scoresde.core.ScoreSdeException {
    private static final long serialVersionUID = 1L;
    private final int step;
    private final double time;

    /**
     * @param what "NaN" or "infinity"
     * @param step the 0-based step at which it appeared
     * @param steps the number of steps
     * @param time the time of that step
     * @param advice what to try
     */
    public SamplingDivergedException(String what, int step, int steps, double time, String advice) {
        super("Sampling diverged: " + what + " in x at step " + step + " of " + steps + " (t = "
                + String.format("%.6g", time) + "); " + advice);
        this.step = step;
        this.time = time;
    }

    /** The 0-based step at which the state stopped being finite. */
    public int step() {
        return step;
    }

    /** The time of that step. */
    public double time() {
        return time;
    }

    /** Throws if {@code x} holds a NaN or an infinity. One pass (a vectorised norm) when all is well. */
    static void check(org.nd4j.linalg.api.ndarray.INDArray x, int step, int steps, double time, String advice) {
        double norm = io.github.scoresde.core.kernels.Kernels.norm2(x);
        if (Double.isFinite(norm)) {
            return;
        }
        double[] v = io.github.scoresde.core.Checks.flat(x);
        boolean nan = false;
        boolean inf = false;
        for (double d : v) {
            nan |= Double.isNaN(d);
            inf |= Double.isInfinite(d);
        }
        if (!nan && !inf) {
            // finite values whose squares overflowed (float32 partial sums: values above about 1e19)
            inf = true;
        }
        throw new SamplingDivergedException(nan ? "NaN" : "infinity", step, steps, time, advice);
    }
}
