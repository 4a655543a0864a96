package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * EDM's sampler (Karras et al. 2022, Algorithms 1 and 2; docs/math.md section 12): Heun's
 * second-order method on dy/dsigma = (y - D(y, sigma)) / sigma over the grid's noise levels, then
 * one Euler step to sigma = 0 (which returns D). N grid times cost 2N - 1 score evaluations.
 *
 * <p>Deterministic by default. With churn S_churn &gt; 0 it is the stochastic variant: before the
 * step from a level sigma_k in [S_tmin, S_tmax] the noise is raised to
 * sigma_hat = sigma_k (1 + gamma), gamma = min(S_churn / N, sqrt(2) - 1), by adding fresh noise of
 * standard deviation S_noise sqrt(sigma_hat^2 - sigma_k^2), and the step starts from sigma_hat
 * (held at sigma(T) at most: no time lies beyond T).
 */
public final class EdmHeunSampler extends DenoiserSampler {
    /** EDM's number of noise levels for CIFAR-10 (35 evaluations). */
    public static final int DEFAULT_STEPS = 18;
    /** EDM's rho. */
    public static final double DEFAULT_RHO = 7;

    private final double churn;
    private final double churnMin;
    private final double churnMax;
    private final double noiseInflation;

    private EdmHeunSampler(Builder b) {
        super(b);
        this.churn = b.churn;
        this.churnMin = b.churnMin;
        this.churnMax = b.churnMax;
        this.noiseInflation = b.noiseInflation;
    }

    /** A builder: 18 times on EDM's rho = 7 grid, deterministic, float32. */
    public static Builder builder() {
        return new Builder();
    }

    /** The deterministic sampler with {@code steps} grid times (2 steps - 1 evaluations). */
    public static EdmHeunSampler deterministic(int steps) {
        return builder().steps(steps).build();
    }

    /** Whether this sampler adds noise (S_churn &gt; 0). */
    public boolean stochastic() {
        return churn > 0;
    }

    @Override
    INDArray run(Path p, INDArray y) {
        int n = p.size();
        double sigmaT = p.denoiser.sde().noiseLevel(p.denoiser.sde().horizon());
        double gamma = Math.min(churn / n, Math.sqrt(2) - 1);
        for (int k = 0; k < n; k++) {
            double s = p.sigma[k];
            double time = p.t[k];
            if (gamma > 0 && s >= churnMin && s <= churnMax) {
                double raised = Math.min(s * (1 + gamma), sigmaT);
                if (raised > s) {
                    INDArray z = p.noise(k, y.dataType());
                    Kernels.linearCombination(y, y, noiseInflation * Math.sqrt(raised * raised - s * s),
                            new double[] {1}, z);
                    NdArrays.release(z);
                    s = raised;
                    time = p.denoiser.sde().timeAtNoiseLevel(raised);
                }
            }
            INDArray d1 = p.denoise(y, time);
            if (k == n - 1) {
                // Euler to sigma = 0: y + (0 - s) (y - D) / s = D
                NdArrays.release(y);
                return d1;
            }
            double next = p.sigma[k + 1];
            double h = next - s;
            INDArray euler = Kernels.scaledCombination(y.ulike(), 1 + h / s, y, 1, new double[] {-h / s}, d1);
            INDArray d2 = p.denoise(euler, p.t[k + 1]);
            INDArray heun = Kernels.scaledCombination(y.ulike(), 1 + h / (2 * s), y, 1,
                    new double[] {-h / (2 * s), h / (2 * next), -h / (2 * next)}, d1, euler, d2);
            NdArrays.release(y, d1, euler, d2);
            y = p.stepped(k, heun);
        }
        throw new IllegalStateException("unreachable");
    }

    @Override
    public String toString() {
        return "EdmHeunSampler[" + gridDescription() + (stochastic() ? ", churn=" + churn + ", churnRange=["
                + churnMin + ", " + churnMax + "], noiseInflation=" + noiseInflation : ", deterministic") + "]";
    }

    /** Builder. */
    public static final class Builder extends DenoiserSampler.Builder<Builder> {
        private double churn;
        private double churnMin;
        private double churnMax = Double.POSITIVE_INFINITY;
        private double noiseInflation = 1;

        private Builder() {
            super(DEFAULT_STEPS, TimeGrid.Spacing.edm(DEFAULT_RHO));
        }

        @Override
        Builder self() {
            return this;
        }

        /** S_churn &gt;= 0, the total added noise over the run (default 0: deterministic). */
        public Builder churn(double sChurn) {
            this.churn = Checks.nonNegative("churn", sChurn);
            return this;
        }

        /**
         * [S_tmin, S_tmax], the noise levels (sigma, not t) at which churn is added (default
         * [0, infinity)).
         */
        public Builder churnRange(double sTmin, double sTmax) {
            Checks.nonNegative("churn range start", sTmin);
            if (!(sTmax >= sTmin)) {
                throw new IllegalArgumentException("the churn range must have S_tmax >= S_tmin; got [" + sTmin + ", "
                        + sTmax + "]");
            }
            this.churnMin = sTmin;
            this.churnMax = sTmax;
            return this;
        }

        /** S_noise &gt; 0, the factor on the added noise's standard deviation (default 1). */
        public Builder noiseInflation(double sNoise) {
            this.noiseInflation = Checks.positive("noiseInflation", sNoise);
            return this;
        }

        /** Builds the sampler. */
        public EdmHeunSampler build() {
            return new EdmHeunSampler(this);
        }
    }
}
