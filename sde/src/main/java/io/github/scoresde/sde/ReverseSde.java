package io.github.scoresde.sde;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.ScoreFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reverse-time SDE of a forward SDE and a score model (Anderson 1982; docs/math.md section 3):
 * dx = [f(x, t) - g(t)^2 s(x, t)] dt + g(t) dw_bar, run from t = T down to the end time.
 *
 * @param sde the forward SDE
 * @param score the score model standing in for grad_x log p_t
 */
public record ReverseSde(Sde sde, ScoreFunction score) {

    /** Validates the components. */
    public ReverseSde {
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
    }

    /**
     * The reverse drift as a linear form in x and the score: f(x, t) - g(t)^2 s = a x + b s.
     *
     * @param xScale a, the forward drift coefficient a(t)
     * @param scoreScale b = -g(t)^2 (or -G_i^2 for the discretised drift)
     */
    public record Drift(double xScale, double scoreScale) {
    }

    /** The coefficients of the reverse drift at time t: a(t) and -g(t)^2. */
    public Drift driftAt(double t) {
        double g = sde.diffusion(t);
        return new Drift(sde.driftCoefficient(t), -g * g);
    }

    /**
     * The coefficients of the discretised reverse drift at step i (docs/math.md section 3):
     * rev_f_i(x) = f_i(x) - G_i^2 s = c_i x - G_i^2 s, with c_i the discretisation's drift factor.
     */
    public Drift discreteDriftAt(Discretization d, int i, double t) {
        double g = d.noiseScale(i, t);
        return new Drift(d.driftFactor(i, t), -g * g);
    }

    /** The reverse drift f(x, t) - g(t)^2 s(x, t) for per-example times t; a new array. */
    public INDArray drift(INDArray x, INDArray t) {
        double[] tv = Checks.times("t", t, Checks.batchOf("x", x, score.sampleShape()), sde.horizon());
        double[] a = new double[tv.length];
        double[] b = new double[tv.length];
        for (int i = 0; i < tv.length; i++) {
            Drift c = driftAt(tv[i]);
            a[i] = c.xScale();
            b[i] = c.scoreScale();
        }
        INDArray s = score.score(x, t);
        return Broadcast.muli(s, Broadcast.vector(b, x)).addi(Broadcast.mul(x, Broadcast.vector(a, x)));
    }

    /** The diffusion coefficient g(t), the same as the forward SDE's. */
    public double diffusion(double t) {
        return sde.diffusion(t);
    }

    /**
     * The discretised reverse drift at step i: rev_f_i(x) = f_i(x) - G_i^2 s(x, t), given the
     * score value {@code s} already evaluated at (x, t); a new array.
     */
    public INDArray discreteDrift(Discretization d, int i, double t, INDArray x, INDArray s) {
        Drift c = discreteDriftAt(d, i, t);
        return x.mul(c.xScale()).addi(s.mul(c.scoreScale()));
    }

    /** The discretised reverse diffusion G_i at step i. */
    public double discreteDiffusion(Discretization d, int i, double t) {
        return d.noiseScale(i, t);
    }
}
