package io.github.scoresde.samplers;

import io.github.scoresde.core.kernels.Kernels;
import io.github.scoresde.sde.ReverseSde;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Euler-Maruyama on the reverse-time SDE (docs/math.md section 4): with step size h,
 * x_mean = x - [a(t) x - g(t)^2 s(x, t)] h and x = x_mean + g(t) sqrt(h) z. Works for every SDE.
 */
public final class EulerMaruyamaPredictor implements Predictor {

    @Override
    public StepResult step(StepContext ctx, INDArray x) {
        double t = ctx.t();
        double h = ctx.stepSize();
        ReverseSde.Drift f = ctx.reverse().driftAt(t);
        INDArray s = ctx.scoreAt(x);
        // x_mean = x - h (a x - g^2 s) in the score's buffer, then x_mean + g sqrt(h) z in the noise's
        INDArray mean = Kernels.linearCombination(s, x, h, new double[] {-f.xScale(), -f.scoreScale()}, x, s);
        INDArray z = ctx.noise(0);
        INDArray next = Kernels.linearCombination(z, mean, ctx.reverse().diffusion(t) * Math.sqrt(h),
                new double[] {1}, z);
        return new StepResult(next, mean);
    }

    @Override
    public int scoreEvaluations() {
        return 1;
    }

    @Override
    public String toString() {
        return "EulerMaruyamaPredictor";
    }
}
