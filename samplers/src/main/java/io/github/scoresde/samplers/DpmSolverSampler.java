package io.github.scoresde.samplers;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2; docs/math.md section 12): the
 * exact solution of the linear part of the flow in log-SNR lambda = -ln sigma, with the denoiser
 * extrapolated linearly in lambda from the last two steps. In the scaled state,
 * y_{k+1} = (sigma_{k+1} / sigma_k) y_k + (1 - sigma_{k+1} / sigma_k) D~ with
 * D~ = (1 + 1 / (2 r)) D_k - D_{k-1} / (2 r), r = h_{k-1} / h_k, h_k = lambda_{k+1} - lambda_k.
 *
 * <p>The first step is first order (no history yet: D~ = D_0), and so is the last step, from
 * sigma(t_{N-1}) to 0, which returns D. N grid times cost N score evaluations. The history of
 * denoised values is local to each call. With {@link Builder#order(int) order 1} every step is
 * first order (DPM-Solver-1, which equals DDIM with eta = 0).
 */
public final class DpmSolverSampler extends DenoiserSampler {
    /** Grid times by default (20 evaluations). */
    public static final int DEFAULT_STEPS = 20;

    private final int order;

    private DpmSolverSampler(Builder b) {
        super(b);
        this.order = b.order;
    }

    /** A builder: 20 times uniform in log-SNR, second order, float32. */
    public static Builder builder() {
        return new Builder();
    }

    /** DPM-Solver++(2M) with {@code steps} grid times (as many evaluations) uniform in log-SNR. */
    public static DpmSolverSampler secondOrder(int steps) {
        return builder().steps(steps).build();
    }

    @Override
    INDArray run(Path p, INDArray y) {
        int n = p.size();
        INDArray previous = null;
        double previousH = 0;
        for (int k = 0; k < n; k++) {
            INDArray d = p.denoise(y, p.t[k]);
            if (k == n - 1) {
                NdArrays.release(y, previous);
                return d;
            }
            double ratio = p.sigma[k + 1] / p.sigma[k];
            double h = Math.log(p.sigma[k] / p.sigma[k + 1]);
            INDArray next;
            if (previous == null || order == 1) {
                next = Kernels.scaledCombination(y.ulike(), ratio, y, 1 - ratio, new double[] {1}, d);
            } else {
                double r = previousH / h;
                next = Kernels.scaledCombination(y.ulike(), ratio, y, 1 - ratio,
                        new double[] {1 + 1 / (2 * r), -1 / (2 * r)}, d, previous);
            }
            NdArrays.release(y, previous);
            previous = d;
            previousH = h;
            y = p.stepped(k, next);
        }
        throw new IllegalStateException("unreachable");
    }

    @Override
    public String toString() {
        return "DpmSolverSampler[order=" + order + ", " + gridDescription() + "]";
    }

    /** Builder. */
    public static final class Builder extends DenoiserSampler.Builder<Builder> {
        private int order = 2;

        private Builder() {
            super(DEFAULT_STEPS, TimeGrid.Spacing.uniformLogSnr());
        }

        @Override
        Builder self() {
            return this;
        }

        /** 2 (multistep, the default) or 1 (every step first order). */
        public Builder order(int o) {
            if (o != 1 && o != 2) {
                throw new IllegalArgumentException("order must be 1 or 2; got " + o);
            }
            this.order = o;
            return this;
        }

        /** Builds the sampler. */
        public DpmSolverSampler build() {
            return new DpmSolverSampler(this);
        }
    }
}
