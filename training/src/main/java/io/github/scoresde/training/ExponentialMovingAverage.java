package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.kernels.Kernels;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An exponential moving average of the network's weights, used for sampling (docs/math.md section 7):
 * ema = d ema + (1 - d) params after every step, with the warm-up d_k = min(decay, (1 + k) / (10 + k))
 * at step k so that early averages are not dominated by the random initialisation (set warm-up off
 * for the reference code's plain decay).
 *
 * <p>As a DL4J listener on the network being trained it folds in the weights after every
 * iteration, numbering the steps from the one it was created at (0, or a resumed step).
 */
public final class ExponentialMovingAverage extends BaseTrainingListener {
    private final double decay;
    private final boolean warmup;
    private final INDArray average;
    private long step;

    /**
     * @param decay the decay in (0, 1]
     * @param warmup whether to use the warm-up
     * @param initial the starting weights (copied)
     * @param firstStep the number of the first step it will fold in (0, or the step training resumes at)
     */
    public ExponentialMovingAverage(double decay, boolean warmup, INDArray initial, long firstStep) {
        Checks.inRange("decay", decay, 0, 1);
        if (decay == 0) {
            throw new IllegalArgumentException("decay must lie in (0, 1]; got 0.0");
        }
        this.decay = decay;
        this.warmup = warmup;
        this.average = Checks.notNull("initial", initial).dup();
        this.step = firstStep;
    }

    /** Folds in the model's weights after its iteration, as step {@link #nextStep()}. */
    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        update(model.params(), step++);
    }

    /** The number of the step the next iteration folds in as. */
    public long nextStep() {
        return step;
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
