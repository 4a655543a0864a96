package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reports sampling progress through SLF4J: INFO every k steps and at the last step, DEBUG otherwise. */
public final class LoggingSamplingListener implements SamplingListener {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingSamplingListener.class);
    private final int every;

    /** @param every INFO line every {@code every} steps, &gt;= 1 */
    public LoggingSamplingListener(int every) {
        this.every = Checks.positive("every", every);
    }

    @Override
    public void onStep(int step, int steps, double t, INDArray x) {
        if ((step + 1) % every == 0 || step + 1 == steps) {
            LOG.info("step {}/{} at t = {}", step + 1, steps, String.format("%.5f", t));
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("step {}/{} at t = {}", step + 1, steps, t);
        }
    }
}
