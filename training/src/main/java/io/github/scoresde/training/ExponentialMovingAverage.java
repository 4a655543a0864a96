package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An exponential moving average of the network's weights, used for sampling (docs/math.md section 7):
 * ema = d ema + (1 - d) params after every step, with the warm-up d_k = min(decay, (1 + k) / (10 + k))
 * at step k so that early averages are not dominated by the random initialisation (set warm-up off
 * for the reference code's plain decay).
 */
public final class ExponentialMovingAverage {
    private final double decay;
    private final boolean warmup;
    private final INDArray average;

    /**
     * @param decay the decay in (0, 1]
     * @param warmup whether to use the warm-up
     * @param initial the starting weights (copied)
     */
    public ExponentialMovingAverage(double decay, boolean warmup, INDArray initial) {
        Checks.inRange("decay", decay, 0, 1);
        if (decay == 0) {
            throw new IllegalArgumentException("decay must lie in (0, 1]; got 0.0");
        }
        this.decay = decay;
        this.warmup = warmup;
        this.average = Checks.notNull("initial", initial).dup();
    }

    /** The decay used at step k. */
    public double decayAt(long step) {
        return warmup ? Math.min(decay, (1.0 + step) / (10.0 + step)) : decay;
    }

    /** Folds in the weights after step k. */
    public void update(INDArray params, long step) {
        Kernels.movingAverage(average, params, decayAt(step));
    }

    /** The average (live; copy it to keep it). */
    public INDArray average() {
        return average;
    }

    /** The decay. */
    public double decay() {
        return decay;
    }

    /** Whether the warm-up is on. */
    public boolean warmup() {
        return warmup;
    }
}
