package io.github.scoresde.oracle;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RowParallel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch's per-component bookkeeping for a {@link GaussianMixture} perturbed by (m_b, s_b) per
 * example: variances v_k = m^2 sd_k^2 + s^2, squared distances |x - m mu_k|^2, responsibilities r_k
 * and c = sum_k r_k / v_k per row, in double precision, shared by the score and its derivatives.
 */
final class Evaluation {
    final INDArray x;
    final double[] xv;
    final int batch;
    final double[] m;
    final double[] v;
    final double[] dist2;
    final double[] r;
    final double[] c;
    private final double[][] means;
    private final int d;
    private double[] score;

    /** Evaluates checked points x {@code [batch, d]} and coefficients m, s {@code [batch]}. */
    Evaluation(INDArray x, double[] m, double[] s, double[][] means, double[] stds, double[] logWeights) {
        this.x = x;
        this.m = m;
        this.means = means;
        this.d = means[0].length;
        this.batch = (int) x.size(0);
        this.xv = Checks.flat(x);
        this.v = new double[batch * means.length];
        this.dist2 = new double[batch * means.length];
        this.r = new double[batch * means.length];
        this.c = new double[batch];
        int d = this.d;
        int k = means.length;
        double[] xv = this.xv;
        double[] v = this.v;
        double[] dist2 = this.dist2;
        double[] r = this.r;
        double[] c = this.c;
        RowParallel.forRows(batch, (long) k * d, GaussianMixture.PARALLEL_WORK, (from, to) -> {
            for (int b = from; b < to; b++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    int i = b * k + j;
                    double vk = m[b] * m[b] * stds[j] * stds[j] + s[b] * s[b];
                    double sq = 0;
                    for (int q = 0; q < d; q++) {
                        double diff = xv[b * d + q] - m[b] * means[j][q];
                        sq += diff * diff;
                    }
                    v[i] = vk;
                    dist2[i] = sq;
                    r[i] = logWeights[j] - sq / (2 * vk) - 0.5 * d * Math.log(2 * Math.PI * vk);
                    max = Math.max(max, r[i]);
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    r[b * k + j] = Math.exp(r[b * k + j] - max);
                    sum += r[b * k + j];
                }
                double cb = 0;
                for (int j = 0; j < k; j++) {
                    r[b * k + j] /= sum;
                    cb += r[b * k + j] / v[b * k + j];
                }
                c[b] = cb;
            }
        });
    }

    /** S = sum_k r_k (m mu_k - x) / v_k, row-major {@code [batch * d]} in double precision. */
    double[] scoreValues() {
        if (score == null) {
            int k = means.length;
            double[] out = new double[batch * d];
            RowParallel.forRows(batch, (long) k * d, GaussianMixture.PARALLEL_WORK, (from, to) -> {
                for (int b = from; b < to; b++) {
                    for (int q = 0; q < d; q++) {
                        double acc = -c[b] * xv[b * d + q];
                        for (int j = 0; j < k; j++) {
                            acc += r[b * k + j] * m[b] * means[j][q] / v[b * k + j];
                        }
                        out[b * d + q] = acc;
                    }
                }
            });
            score = out;
        }
        return score;
    }

    /** The score as a new array of x's data type. */
    INDArray score() {
        return NdArrays.of(scoreValues(), x.dataType(), batch, d);
    }
}
