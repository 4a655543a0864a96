package io.github.scoresde.samplers;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DDIM (Song, Meng and Ermon 2021; docs/math.md section 12) written for any SDE in the scaled state:
 * with D = D(y_k, sigma_k) and the noise it implies, eps = (y_k - D) / sigma_k,
 * y_{k+1} = D + sqrt(sigma_{k+1}^2 - c^2) eps + c z, c = eta sigma_{k+1} sqrt(1 - sigma_{k+1}^2 / sigma_k^2).
 * eta = 0 is deterministic (first-order DPM-Solver); eta = 1 draws from the Gaussian posterior
 * q(y_{k+1} | y_k, x0 = D), the ancestral (DDPM) step of the same grid. The last step, to
 * sigma = 0, returns D. N grid times cost N score evaluations.
 */
public final class DdimSampler extends DenoiserSampler {
    /** Grid times by default (50 evaluations, as in the DDIM paper's tables). */
    public static final int DEFAULT_STEPS = 50;

    private final double eta;

    private DdimSampler(Builder b) {
        super(b);
        this.eta = b.eta;
    }

    /** A builder: 50 times uniform in t, eta = 0, float32. */
    public static Builder builder() {
        return new Builder();
    }

    /** DDIM with {@code steps} grid times, uniform in t, and the given eta. */
    public static DdimSampler of(int steps, double eta) {
        return builder().steps(steps).eta(eta).build();
    }

    /** eta. */
    public double eta() {
        return eta;
    }

    @Override
    INDArray run(Path p, INDArray y) {
        int n = p.size();
        for (int k = 0; k < n; k++) {
            INDArray d = p.denoise(y, p.t[k]);
            if (k == n - 1) {
                NdArrays.release(y);
                return d;
            }
            double s = p.sigma[k];
            double next = p.sigma[k + 1];
            double c = eta * next * Math.sqrt(Math.max(0, 1 - next * next / (s * s)));
            double keep = Math.sqrt(Math.max(0, next * next - c * c)) / s;
            // D + keep (y - D) + c z
            INDArray out;
            if (c > 0) {
                INDArray z = p.noise(k, y.dataType());
                out = Kernels.scaledCombination(y.ulike(), keep, y, 1, new double[] {1 - keep, c}, d, z);
                NdArrays.release(z);
            } else {
                out = Kernels.scaledCombination(y.ulike(), keep, y, 1, new double[] {1 - keep}, d);
            }
            NdArrays.release(y, d);
            y = p.stepped(k, out);
        }
        throw new IllegalStateException("unreachable");
    }

    @Override
    public String toString() {
        return "DdimSampler[eta=" + eta + ", " + gridDescription() + "]";
    }

    /** Builder. */
    public static final class Builder extends DenoiserSampler.Builder<Builder> {
        private double eta;

        private Builder() {
            super(DEFAULT_STEPS, TimeGrid.Spacing.uniformTime());
        }

        @Override
        Builder self() {
            return this;
        }

        /** eta &gt;= 0 (default 0: deterministic; 1: the ancestral step). */
        public Builder eta(double e) {
            this.eta = Checks.nonNegative("eta", e);
            return this;
        }

        /** Builds the sampler. */
        public DdimSampler build() {
            return new DdimSampler(this);
        }
    }
}
