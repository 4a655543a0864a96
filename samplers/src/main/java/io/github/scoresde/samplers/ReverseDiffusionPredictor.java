package io.github.scoresde.samplers;

import io.github.scoresde.sde.Discretization;
import io.github.scoresde.core.kernels.Kernels;
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
        double c = d.driftFactor(i, ctx.t());
        double g = d.noiseScale(i, ctx.t());
        INDArray s = ctx.scoreAt(x);
        // x_mean = x + g^2 s - c x in the score's buffer, then x_mean + g z in the noise's
        INDArray mean = Kernels.linearCombination(s, x, 1, new double[] {-c, g * g}, x, s);
        INDArray z = ctx.noise(0);
        INDArray next = Kernels.linearCombination(z, mean, g, new double[] {1}, z);
        return new StepResult(next, mean);
    }

    /**
     * The noise-free reverse-diffusion mean at step i: x - [f_i(x) - G_i^2 s], in a new array.
     * Used for the final denoising step of the ODE sampler.
     */
    static INDArray mean(Discretization d, int i, double t, INDArray x, INDArray s) {
        double c = d.driftFactor(i, t);
        double g = d.noiseScale(i, t);
        return s.mul(g * g).addi(x.mul(1 - c));
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
