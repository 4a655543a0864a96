package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Annealed Langevin dynamics (Song and Ermon 2019; docs/math.md section 5): at time t, n steps of
 * x_mean = x + eps s(x, t), x = x_mean + sqrt(2 eps) z with eps = 2 alpha_i (r s(t))^2, s(t) the
 * marginal standard deviation. With the predictor {@link Predictor#none()} on the SMLD levels this
 * is NCSN's sampler: its step a_i = e sigma_i^2 / sigma_min^2 with x + (a_i / 2) s is eps = a_i / 2,
 * i.e. r^2 = e / (4 sigma_min^2).
 */
public final class AnnealedLangevinCorrector implements Corrector {
    private final double snr;
    private final int steps;

    /**
     * @param snr the signal-to-noise ratio r &gt; 0
     * @param steps steps per noise level, &gt;= 1
     */
    public AnnealedLangevinCorrector(double snr, int steps) {
        this.snr = Checks.positive("snr", snr);
        this.steps = Checks.positive("steps", steps);
    }

    @Override
    public StepResult correct(StepContext ctx, INDArray x) {
        double alpha = ctx.discretization().langevinAlpha(ctx.discreteIndex());
        double std = ctx.sde().marginalStd(ctx.t());
        double eps = 2 * alpha * (snr * std) * (snr * std);
        StepResult r = new StepResult(x, x);
        for (int c = 0; c < steps; c++) {
            r = LangevinCorrector.step(r.x(), ctx.scoreAt(r.x()), ctx.noise(1 + c), eps);
        }
        return r;
    }

    @Override
    public int scoreEvaluations() {
        return steps;
    }

    @Override
    public String toString() {
        return "AnnealedLangevinCorrector[snr=" + snr + ", steps=" + steps + "]";
    }
}
