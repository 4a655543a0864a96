package io.github.scoresde.samplers;

import io.github.scoresde.sde.AncestralSchedule;
import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Ancestral sampling (docs/math.md section 4): DDPM's sampler for the VP SDE,
 * x_mean = (x + beta_i s) / sqrt(1 - beta_i), and its SMLD counterpart for the VE SDE,
 * x_mean = x + (sigma_i^2 - sigma_{i-1}^2) s; then x = x_mean + noiseStd_i z. Needs an SDE with
 * the {@link AncestralSchedule} capability.
 */
public final class AncestralSamplingPredictor implements Predictor {

    @Override
    public void checkApplicable(Sde sde) {
        if (!(sde instanceof AncestralSchedule)) {
            throw new IllegalArgumentException("AncestralSamplingPredictor needs an SDE with a discrete schedule "
                    + "(VpSde, VeSde); got " + sde.getClass().getSimpleName());
        }
    }

    @Override
    public StepResult step(StepContext ctx, INDArray x) {
        checkApplicable(ctx.sde());
        AncestralSchedule.AncestralStep a = ((AncestralSchedule) ctx.sde()).ancestralStep(ctx.discreteIndex(),
                ctx.steps());
        INDArray s = ctx.scoreAt(x);
        INDArray mean = s.muli(a.scoreScale()).addi(x.muli(a.xScale()));
        INDArray next = ctx.noise(0).muli(a.noiseStd()).addi(mean);
        return new StepResult(next, mean);
    }

    @Override
    public int scoreEvaluations() {
        return 1;
    }

    @Override
    public String toString() {
        return "AncestralSamplingPredictor";
    }
}
