package io.github.scoresde.samplers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Progress of a sampler, called after every step. The state is the sampler's own buffer: read it,
 * do not keep or modify it. Algorithms never print; listeners decide what to report.
 */
@FunctionalInterface
public interface SamplingListener {

    /**
     * @param step the step just taken, 0-based
     * @param steps the number of steps in the run (for adaptive solvers: an upper bound)
     * @param t the time the step started from
     * @param x the state after the step
     */
    void onStep(int step, int steps, double t, INDArray x);

    /** A listener that does nothing. */
    static SamplingListener none() {
        return (step, steps, t, x) -> {
        };
    }

    /** Logs a DEBUG line per step and an INFO line every {@code every} steps through SLF4J. */
    static SamplingListener logging(int every) {
        return new LoggingSamplingListener(every);
    }
}
