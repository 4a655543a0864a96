package io.github.scoresde.nn;

import io.github.scoresde.core.kernels.Kernels;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * DL4J's Adam with its step computed in one vector pass ({@link Kernels#adam}): the same state
 * layout, schedule, defaults and update as {@link Adam} (libnd4j's Adam runs element by element
 * on one OpenMP thread). Falls
 * back to DL4J's own step where the vector path does not apply (float64, no Vector API). Stored
 * in model files by class name.
 */
public class FusedAdam extends Adam {
    private double gradientClip;

    /** For JSON deserialization. */
    public FusedAdam() {
        super();
    }

    /** Adam with a learning-rate schedule and the default betas and epsilon. */
    public FusedAdam(ISchedule schedule) {
        super(schedule);
    }

    /** Adam with a fixed learning rate and the default betas and epsilon. */
    public FusedAdam(double learningRate) {
        super(learningRate);
    }

    /**
     * The L2-norm threshold of gradient clipping over the whole gradient this updater sees (0:
     * none). DL4J hands an updater the gradient of a block of consecutive layers with the same
     * updater configuration, in a network configured with one updater that is every parameter:
     * this is the global-norm clipping of the reference code (PyTorch's clip_grad_norm_: the
     * gradient times threshold / (norm + 1e-6) when that is below 1), which DL4J's own gradient
     * normalisation (per layer or per parameter) does not offer.
     */
    public double getGradientClip() {
        return gradientClip;
    }

    /** See {@link #getGradientClip()}. */
    public void setGradientClip(double gradientClip) {
        if (!(gradientClip >= 0) || Double.isInfinite(gradientClip)) {
            throw new IllegalArgumentException("gradientClip must be finite and >= 0; got " + gradientClip);
        }
        this.gradientClip = gradientClip;
    }

    /** A copy with global-norm gradient clipping at the given threshold (0: none). */
    public FusedAdam withGradientClip(double threshold) {
        FusedAdam c = clone();
        c.setGradientClip(threshold);
        return c;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new Step(this, (AdamUpdater) super.instantiate(viewArray, initializeViewArray));
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return new Step(this, (AdamUpdater) super.instantiate(updaterState, initializeStateArrays));
    }

    @Override
    public FusedAdam clone() {
        FusedAdam c = new FusedAdam();
        c.setLearningRate(getLearningRate());
        c.setLearningRateSchedule(getLearningRateSchedule() == null ? null : getLearningRateSchedule().clone());
        c.setBeta1(getBeta1());
        c.setBeta2(getBeta2());
        c.setEpsilon(getEpsilon());
        c.setGradientClip(gradientClip);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedAdam f && f.gradientClip == gradientClip && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(gradientClip);
    }

    /** The updater: DL4J's Adam state, the vector step where it applies. */
    static final class Step extends AdamUpdater {
        /** Takes over the state views DL4J's Adam laid out. */
        Step(Adam config, AdamUpdater laidOut) {
            super(config);
            setM(laidOut.getM());
            setV(laidOut.getV());
            setGradientReshapeOrder(laidOut.getGradientReshapeOrder());
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (!step(gradient, 1, null, iteration, epoch)) {
                FusedAdam c = (FusedAdam) getConfig();
                double scale = c.clipFactor(gradient, 1);
                if (scale != 1) {
                    gradient.muli(scale);
                }
                super.applyUpdater(gradient, iteration, epoch);
            }
        }

        /**
         * The vector step on {@code gradient / divisor} (DL4J's division by the minibatch size,
         * when the caller has not done it), clipped by its global norm: m and v advance, and the
         * update is subtracted from {@code params} when given (the gradient stays), else written
         * over the gradient (for DL4J to subtract).
         *
         * @param params the flat parameters the gradient belongs to, or null
         * @return false (nothing done) where the vector path does not apply
         */
        boolean step(INDArray gradient, double divisor, INDArray params, int iteration, int epoch) {
            FusedAdam c = (FusedAdam) getConfig();
            if (getM() == null || !Kernels.vectorized()) {
                return false;
            }
            double scale = c.clipFactor(gradient, divisor) / divisor;
            return Kernels.adam(gradient, getM(), getV(), c.getLearningRate(iteration, epoch), c.getBeta1(),
                    c.getBeta2(), c.getEpsilon(), iteration, scale, params);
        }
    }

    /**
     * The factor global-norm clipping multiplies {@code gradient / divisor} by: threshold / (norm +
     * 1e-6) when that is below 1, else 1 (also without clipping, where the norm is not computed).
     */
    double clipFactor(INDArray gradient, double divisor) {
        if (gradientClip > 0) {
            double coef = gradientClip / (Kernels.norm2(gradient) / divisor + 1e-6);
            if (coef < 1) {
                return coef;
            }
        }
        return 1;
    }
}
