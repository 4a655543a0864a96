package io.github.scoresde.samplers;

import io.github.scoresde.core.kernels.Kernels;
import io.github.scoresde.sde.Discretization;
import io.github.scoresde.sde.ReverseSde;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reverse diffusion (docs/math.md section 4): the SDE's own discretisation run backwards,
 * x_mean = x - [f_i(x) - G_i^2 s(x, t)] and x = x_mean + G_i z, with f_i and G_i from
 * {@link io.github.scoresde.sde.Sde#discretize(int)} at the step's discrete index (DDPM for VP,
 * SMLD for VE, Euler-Maruyama for sub-VP).
 */
public final class ReverseDiffusionPredictor implements Predictor {

    @Override
    public StepResult step(StepContext ctx, INDArray x) {
        Discretization d = ctx.discretization();
        int i = ctx.discreteIndex();
        ReverseSde.Drift f = ctx.reverse().discreteDriftAt(d, i, ctx.t());
        INDArray s = ctx.scoreAt(x);
        // x_mean = x - rev_f_i = x - (c x - G^2 s) in the score's buffer, then x_mean + G z in the noise's
        INDArray mean = Kernels.linearCombination(s, x, 1, new double[] {-f.xScale(), -f.scoreScale()}, x, s);
        INDArray z = ctx.noise(0);
        INDArray next = Kernels.linearCombination(z, mean, ctx.reverse().discreteDiffusion(d, i, ctx.t()),
                new double[] {1}, z);
        return new StepResult(next, mean);
    }

    /**
     * The noise-free reverse-diffusion mean at step i: x - [f_i(x) - G_i^2 s], in a new array.
     * Used for the final denoising step of the ODE sampler.
     */
    static INDArray mean(ReverseSde reverse, Discretization d, int i, double t, INDArray x, INDArray s) {
        ReverseSde.Drift f = reverse.discreteDriftAt(d, i, t);
        return s.mul(-f.scoreScale()).addi(x.mul(1 - f.xScale()));
    }

    @Override
    public int scoreEvaluations() {
        return 1;
    }

    @Override
    public String toString() {
        return "ReverseDiffusionPredictor";
    }
}
