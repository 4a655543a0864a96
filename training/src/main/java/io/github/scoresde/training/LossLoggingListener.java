package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DL4J training listener that logs the loss and the throughput (steps per second) through SLF4J
 * every k iterations.
 */
public final class LossLoggingListener extends BaseTrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(LossLoggingListener.class);
    private final int every;
    private long last = System.nanoTime();
    private int lastIteration = -1;

    /** @param every iterations between log lines, &gt;= 1 */
    public LossLoggingListener(int every) {
        this.every = Checks.positive("every", every);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if ((iteration + 1) % every == 0) {
            long now = System.nanoTime();
            int steps = lastIteration < 0 ? every : iteration - lastIteration;
            double perSecond = steps / ((now - last) / 1e9);
            LOG.info("step {}: loss {} ({} steps/s)", iteration + 1, String.format("%.5f", model.score()),
                    String.format("%.1f", perSecond));
            last = now;
            lastIteration = iteration;
        }
    }
}
