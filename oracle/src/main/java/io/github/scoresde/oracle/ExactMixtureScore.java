package io.github.scoresde.oracle;

import io.github.scoresde.sde.Sde;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.DifferentiableScore;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.ScoreDivergence;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The exact score grad_x log p_t(x) of a Gaussian mixture data distribution pushed through a
 * linear SDE (docs/math.md section 10): p_t = sum_k w_k N(m(t) mu_k, (m(t)^2 sd_k^2 + s(t)^2) I).
 * It knows its exact vector-Jacobian product (the Hessian of log p_t is symmetric, so it equals
 * the Jacobian-vector product), its exact divergence, the noisy responsibilities p_t(k | x) and
 * the exact log-density: the oracle against which samplers, likelihoods and guidance are tested.
 * Immutable and safe to call from many threads at once.
 *
 * @param mixture the data distribution p_0
 * @param sde the forward SDE
 */
public record ExactMixtureScore(GaussianMixture mixture, Sde sde) implements DifferentiableScore, ScoreDivergence,
        io.github.scoresde.core.ProcessBound {

    /** Validates the components. */
    public ExactMixtureScore {
        Checks.notNull("mixture", mixture);
        Checks.notNull("sde", sde);
    }

    @Override
    public long[] sampleShape() {
        return new long[] {mixture.dimension()};
    }

    @Override
    public INDArray score(INDArray x, INDArray t) {
        int batch = Checks.batchOf("x", x, sampleShape());
        double[] tv = Checks.times("t", t, batch, sde.horizon());
        boolean shared = true;
        for (int i = 1; i < batch && shared; i++) {
            shared = tv[i] == tv[0];
        }
        if (shared) {
            // a sampler step: one time for every example
            return mixture.score(x, sde.meanCoefficient(tv[0]), sde.marginalStd(tv[0]));
        }
        Coefficients c = coefficients(sde, tv);
        return mixture.score(x, c.m, c.s);
    }

    /**
     * The score at one time shared by the batch: m(t) and s(t) once, no times array read.
     *
     * @throws IllegalArgumentException when t lies outside [0, T] or x is not {@code [batch, d]}
     */
    @Override
    public INDArray score(INDArray x, double t) {
        sde.checkTime(t);
        return mixture.score(x, sde.meanCoefficient(t), sde.marginalStd(t));
    }

    /** The exact Hessian-vector product of log p_t, equal to the score's vector-Jacobian product. */
    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Coefficients c = coefficients(x, t);
        return mixture.hessianVectorProduct(x, c.m, c.s, v);
    }

    /** The score and its vector-Jacobian product from one shared evaluation of the mixture. */
    @Override
    public INDArray[] scoreAndVectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Coefficients c = coefficients(x, t);
        return mixture.scoreAndHessianVectorProduct(x, c.m, c.s, v);
    }

    /** v . H v per example, in closed form from the mixture without forming H v. */
    @Override
    public INDArray jacobianQuadraticForm(INDArray x, INDArray t, INDArray v) {
        INDArray[] both = scoreAndJacobianQuadraticForm(x, t, v);
        NdArrays.release(both[0]);
        return both[1];
    }

    /** The score and v . H v per example from one shared evaluation of the mixture. */
    @Override
    public INDArray[] scoreAndJacobianQuadraticForm(INDArray x, INDArray t, INDArray v) {
        Coefficients c = coefficients(x, t);
        GaussianMixture.ScoreAndQuadraticForm f = mixture.scoreAndHessianQuadraticForm(x, c.m, c.s, v);
        return new INDArray[] {f.score(), Broadcast.vector(f.quadraticForm(), x)};
    }

    /** The score's Jacobian-vector product; the same as the vector-Jacobian product here. */
    public INDArray jacobianVectorProduct(INDArray x, INDArray t, INDArray v) {
        return vectorJacobianProduct(x, t, v);
    }

    @Override
    public INDArray divergence(INDArray x, INDArray t) {
        Coefficients c = coefficients(x, t);
        return Broadcast.vector(mixture.laplacian(x, c.m, c.s), x);
    }

    /** The score and its exact divergence from one shared evaluation of the mixture. */
    @Override
    public INDArray[] scoreAndDivergence(INDArray x, INDArray t) {
        Coefficients c = coefficients(x, t);
        GaussianMixture.ScoreAndLaplacian sl = mixture.scoreAndLaplacian(x, c.m, c.s);
        return new INDArray[] {sl.score(), Broadcast.vector(sl.laplacian(), x)};
    }

    /** The noisy responsibilities p_t(k | x), shape {@code [batch, K]}: the exact time-dependent classifier. */
    public INDArray responsibilities(INDArray x, INDArray t) {
        Coefficients c = coefficients(x, t);
        return mixture.responsibilities(x, c.m, c.s);
    }

    /** The exact ln p_t(x) per example, in double precision. */
    public double[] logDensity(INDArray x, INDArray t) {
        Coefficients c = coefficients(x, t);
        return mixture.perturbedLogDensity(x, c.m, c.s);
    }

    private Coefficients coefficients(INDArray x, INDArray t) {
        return coefficients(sde, x, t, sampleShape());
    }

    /** m(t_b) and s(t_b) for a batch, after checking x's shape and the times. */
    static Coefficients coefficients(Sde sde, INDArray x, INDArray t, long[] sampleShape) {
        int batch = Checks.batchOf("x", x, sampleShape);
        return coefficients(sde, Checks.times("t", t, batch, sde.horizon()));
    }

    /** m(t_b) and s(t_b) for checked times. */
    private static Coefficients coefficients(Sde sde, double[] tv) {
        int batch = tv.length;
        double[] m = new double[batch];
        double[] s = new double[batch];
        for (int i = 0; i < batch; i++) {
            if (i > 0 && tv[i] == tv[i - 1]) {
                m[i] = m[i - 1];
                s[i] = s[i - 1];
            } else {
                m[i] = sde.meanCoefficient(tv[i]);
                s[i] = sde.marginalStd(tv[i]);
            }
        }
        return new Coefficients(m, s);
    }

    record Coefficients(double[] m, double[] s) {
    }

    /** The SDE's text form: this score is the score of that process's marginals only. */
    @Override
    public String processSpec() {
        return sde.spec();
    }
}
