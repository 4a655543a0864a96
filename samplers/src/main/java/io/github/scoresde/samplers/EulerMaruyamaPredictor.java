package io.github.scoresde.samplers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Euler-Maruyama on the reverse-time SDE (MATH.md section 4): with step size h,
 * x_mean = x - [a(t) x - g(t)^2 s(x, t)] h and x = x_mean + g(t) sqrt(h) z. Works for every SDE.
 */
public final class EulerMaruyamaPredictor implements Predictor {

    @Override
    public StepResult step(StepContext ctx, INDArray x) {
        double t = ctx.t();
        double h = ctx.stepSize();
        double g = ctx.sde().diffusion(t);
        double a = ctx.sde().driftCoefficient(t);
        INDArray s = ctx.scoreAt(x);
        // x_mean = (1 - a h) x + g^2 h s, computed in the score's buffer
        INDArray mean = s.muli(g * g * h).addi(x.muli(1 - a * h));
        INDArray next = ctx.noise(0).muli(g * Math.sqrt(h)).addi(mean);
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
