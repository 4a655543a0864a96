package io.github.scoresde.training;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.nn.LossReduction;
import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weighted denoising score-matching loss evaluated for any {@link ScoreFunction} (docs/math.md
 * section 7), for held-out evaluation and tests: per example
 * lambda(t) c |s_theta(x_t, t) + z / s(t)|^2 with x_t = m(t) x0 + s(t) z. With lambda = s^2 this is
 * c |s(t) s_theta + z|^2, the quantity the network's DL4J loss computes during training.
 */
public final class DenoisingScoreMatching {
    private DenoisingScoreMatching() {
    }

    /**
     * @param score the score model
     * @param sde the SDE
     * @param x0 clean data {@code [n, d]}
     * @param t times {@code [n]} in (0, T]
     * @param z the noise {@code [n, d]}
     * @param lambda the weights lambda(t_i), one per example
     * @param reduction the reduction over dimensions
     * @return the per-example losses
     */
    public static double[] perExample(ScoreFunction score, Sde sde, INDArray x0, double[] t, INDArray z,
            double[] lambda, LossReduction reduction) {
        int n = Checks.batchOf("x0", x0, score.sampleShape());
        Checks.batchOf("z", z, score.sampleShape());
        if (t.length != n || lambda.length != n) {
            throw new IllegalArgumentException("t and lambda must hold one value per example (" + n + ")");
        }
        double[] m = new double[n];
        double[] s = new double[n];
        double[] inv = new double[n];
        for (int i = 0; i < n; i++) {
            m[i] = sde.meanCoefficient(t[i]);
            s[i] = sde.marginalStd(t[i]);
            inv[i] = 1 / s[i];
        }
        INDArray x64 = x0.castTo(DataType.DOUBLE);
        INDArray z64 = z.castTo(DataType.DOUBLE);
        INDArray xt = Broadcast.mul(x64, Broadcast.vector(m, x64)).addi(Broadcast.mul(z64, Broadcast.vector(s, z64)));
        INDArray sc = score.score(xt, Nd4j.createFromArray(t).castTo(DataType.DOUBLE)).castTo(DataType.DOUBLE);
        INDArray diff = sc.addi(Broadcast.mul(z64, Broadcast.vector(inv, z64)));
        double[] sq = diff.muli(diff).reshape(n, -1).sum(1).toDoubleVector();
        double c = reduction.factor(score.sampleSize());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = lambda[i] * c * sq[i];
        }
        return out;
    }
}
