package io.github.scoresde.samplers.likelihood;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.OdeSystem;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.samplers.ode.DormandPrince45;
import io.github.scoresde.samplers.ode.OdeSolution;
import io.github.scoresde.samplers.ode.OdeSolver;
import io.github.scoresde.sde.Sde;
import java.time.Duration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log-likelihood of data under a score model through the probability-flow ODE (MATH.md section 8).
 * With the flow's drift f~(x, t) = a(t) x - g(t)^2 s(x, t) / 2, the instantaneous change of
 * variables gives ln p_eps(x) = ln p_T(x(T)) + integral_eps^T div f~(x(t), t) dt, where
 * div f~ = a(t) D - g(t)^2 div s / 2 (D values per example). The augmented state
 * [x, delta] of shape {@code [batch, D + 1]} is integrated from the end time eps to T in one solve;
 * the result is ln p_T(z) + delta(T) per example, in nats, with the latent code z = x(T).
 *
 * <p>Defaults: Dormand-Prince with rtol = atol = 1e-5 (the reference's), the exact divergence, the
 * SDE's end time, and a float64 state (the score is evaluated in the state's data type). The
 * result is the density at eps; at the default eps it differs from the data density by well under
 * 0.001 nats on the toy workloads.
 */
public final class Likelihood {
    private static final Logger LOG = LoggerFactory.getLogger(Likelihood.class);

    private final OdeSolver solver;
    private final DivergenceEstimator divergence;
    private final Double endTime;
    private final DataType dataType;

    private Likelihood(Builder b) {
        this.solver = b.solver;
        this.divergence = b.divergence;
        this.endTime = b.endTime;
        this.dataType = b.dataType;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: Dormand-Prince 1e-5, exact divergence, float64 state. */
    public static Likelihood create() {
        return builder().build();
    }

    /**
     * Per-example log-likelihoods and what they cost.
     *
     * @param logLikelihood ln p(x_b) in nats, one per example
     * @param latent the latent codes x(T), shaped like the data
     * @param scoreEvaluations evaluations of the (score, divergence) pair
     * @param elapsed wall time
     */
    public record Result(double[] logLikelihood, INDArray latent, int scoreEvaluations, Duration elapsed) {
        /** The mean negative log-likelihood in nats per example. */
        public double meanNll() {
            double s = 0;
            for (double v : logLikelihood) {
                s -= v;
            }
            return s / logLikelihood.length;
        }

        /** The standard error of {@link #meanNll()} over examples (0 for one example). */
        public double standardError() {
            int n = logLikelihood.length;
            if (n < 2) {
                return 0;
            }
            double m = -meanNll();
            double ss = 0;
            for (double v : logLikelihood) {
                ss += (v - m) * (v - m);
            }
            return Math.sqrt(ss / (n - 1) / n);
        }
    }

    /**
     * Computes ln p(x) for each example.
     *
     * @param sde the forward SDE
     * @param score the score model
     * @param x data {@code [batch, sampleShape...]}, finite, not modified
     * @param rng randomness for stochastic divergence estimators (unused by the exact one)
     */
    public Result logLikelihood(Sde sde, ScoreFunction score, INDArray x, RandomSource rng) {
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
        int batch = Checks.batchOf("x", x, score.sampleShape());
        Checks.allFinite("x", x);
        double eps = io.github.scoresde.samplers.EndTime.resolve(endTime, sde);
        long dim = score.sampleSize();
        long[] shape = x.shape();
        DivergenceEstimator.Session session = divergence.start(score, batch, dataType, rng);
        INDArray times = Nd4j.create(dataType, batch);
        int d = (int) dim;
        // scratch reused by every evaluation of this solve (they run one after another): the state's
        // values, x, the score's values and the derivative
        double[] yv = new double[batch * (d + 1)];
        double[] xv = new double[batch * d];
        double[] sv = new double[batch * d];
        double[] out = new double[batch * (d + 1)];
        OdeSystem augmented = (t, y) -> {
            // x from the state in one bulk read (ND4J's strided copy of the column range cost about
            // as much as the gmm-64 score itself)
            NdArrays.toDoubles(y, yv);
            for (int b = 0; b < batch; b++) {
                System.arraycopy(yv, b * (d + 1), xv, b * d, d);
            }
            INDArray xt = NdArrays.of(xv, dataType, shape);
            times.assign(t);
            INDArray[] sd = session.scoreAndDivergence(xt, times);
            double a = sde.driftCoefficient(t);
            double g = sde.diffusion(t);
            INDArray derivative = augmentedDerivative(xv, sd[0], sd[1], a, -0.5 * g * g, batch, d, dataType, sv, out);
            // read into Java arrays by now: freed at once, not when the collector gets to them
            NdArrays.release(xt, sd[0], sd[1]);
            return derivative;
        };
        INDArray y0 = Nd4j.zeros(dataType, batch, dim + 1);
        y0.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dim)).assign(x.reshape(batch, dim));
        long start = System.nanoTime();
        LOG.info("likelihood of {} examples with {} and {} from t = {} to {} under {}", batch, solver, divergence, eps,
                sde.horizon(), sde);
        OdeSolution sol = solver.solve(augmented, eps, sde.horizon(), y0);
        INDArray z = sol.y().get(NDArrayIndex.all(), NDArrayIndex.interval(0, dim)).dup('c').reshape(shape);
        double[] delta = sol.y().getColumn(dim).toDoubleVector();
        double[] prior = sde.priorLogDensity(z);
        double[] ll = new double[batch];
        for (int b = 0; b < batch; b++) {
            ll[b] = prior[b] + delta[b];
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Result r = new Result(ll, z, sol.evaluations(), elapsed);
        LOG.info("mean NLL {} +- {} nats ({} evaluations, {} ms)", r.meanNll(), r.standardError(), sol.evaluations(),
                elapsed.toMillis());
        return r;
    }

    /**
     * [a x + half s, a d + half div] as one [batch, d + 1] array of the state's type, in one pass
     * over bulk copies (the ND4J ops it replaces took about ten passes and views per evaluation),
     * through the solve's scratch arrays (scoreBuffer for the score's values, out for the result's).
     */
    private static INDArray augmentedDerivative(double[] xv, INDArray s, INDArray div, double a, double half,
            int batch, int dim, DataType type, double[] scoreBuffer, double[] out) {
        if (s.length() != xv.length || div.length() != batch) {
            throw new IllegalStateException("the score and divergence must hold " + xv.length + " and " + batch
                    + " values; got " + s.length() + " and " + div.length());
        }
        double[] sv = NdArrays.toDoubles(s, scoreBuffer);
        double[] dv = NdArrays.toDoubles(div);
        double constant = a * dim;
        for (int b = 0; b < batch; b++) {
            int in = b * dim;
            int o = b * (dim + 1);
            for (int q = 0; q < dim; q++) {
                out[o + q] = a * xv[in + q] + half * sv[in + q];
            }
            out[o + dim] = constant + half * dv[b];
        }
        return NdArrays.of(out, type, batch, dim + 1);
    }

    @Override
    public String toString() {
        return "Likelihood[solver=" + solver + ", divergence=" + divergence + ", endTime="
                + (endTime != null ? endTime : "SDE default") + ", dataType=" + dataType + "]";
    }

    /** Builder. */
    public static final class Builder {
        private OdeSolver solver = new DormandPrince45();
        private DivergenceEstimator divergence = DivergenceEstimator.exact();
        private Double endTime;
        private DataType dataType = DataType.DOUBLE;

        private Builder() {
        }

        /** The ODE solver (default Dormand-Prince, rtol = atol = 1e-5). */
        public Builder solver(OdeSolver s) {
            this.solver = Checks.notNull("solver", s);
            return this;
        }

        /** The divergence estimator (default exact). */
        public Builder divergence(DivergenceEstimator d) {
            this.divergence = Checks.notNull("divergence", d);
            return this;
        }

        /** The time the data is placed at, in (0, T) (default: the SDE's end time). */
        public Builder endTime(double t) {
            this.endTime = io.github.scoresde.samplers.EndTime.check(t);
            return this;
        }

        /** The state's data type, FLOAT or DOUBLE (default DOUBLE). */
        public Builder dataType(DataType t) {
            this.dataType = io.github.scoresde.samplers.EndTime.checkStateType(t);
            return this;
        }

        /** Builds it. */
        public Likelihood build() {
            return new Likelihood(this);
        }
    }
}
