package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.sde.Sde;

/**
 * The weighting lambda(t) of the denoising score-matching loss and how training times are drawn
 * (docs/math.md section 7). With the output parameterised as s(t) * score, the loss of an example is
 * w(t) c sum_d (net + z)^2 with w(t) = lambda(t) / s(t)^2.
 */
public sealed interface LossWeighting extends java.io.Serializable permits LossWeighting.MarginalVariance, LossWeighting.Likelihood,
        LossWeighting.DiscreteSmld, LossWeighting.DiscreteDdpm {

    /** lambda(t) = s(t)^2 (the default): w = 1, t ~ U(t_min, T). */
    static LossWeighting marginalVariance() {
        return MarginalVariance.INSTANCE;
    }

    /**
     * lambda(t) = g(t)^2, the likelihood weighting of Song et al. (2021b): the weighted loss bounds
     * the negative log-likelihood. w(t) = g(t)^2 / s(t)^2 varies over orders of magnitude, so by
     * default t is drawn by importance sampling from q(t) proportional to w(t) and each example
     * weighted w(t) / ((T - t_min) q(t)), a constant: the same expected loss with far less variance.
     *
     * @param importanceSampling draw t from q(t) rather than uniformly
     */
    static LossWeighting likelihood(boolean importanceSampling) {
        return new Likelihood(importanceSampling);
    }

    /**
     * The discrete SMLD objective of NCSN (Song and Ermon 2019; docs/math.md section 7) for a
     * {@link io.github.scoresde.sde.VeSde}: a noise level i uniform in {0, ..., N - 1}, x0 + sigma_i z,
     * target -z / sigma_i with weight sigma_i^2. The network sees t_i = i / (N - 1), where
     * sigma(t_i) = sigma_i; the perturbation uses s = sigma_i itself, which is the VE SDE's
     * sigma(t)^2 kernel approximation, so sample from such a model with
     * {@code VeSde.Kernel.SIGMA_APPROXIMATION}. The time floor is not used.
     *
     * @param levels N, the number of noise levels
     */
    static LossWeighting discreteSmld(int levels) {
        return new DiscreteSmld(Checks.positive("levels", levels));
    }

    /**
     * The discrete DDPM objective (Ho et al. 2020; docs/math.md section 7) for a
     * {@link io.github.scoresde.sde.VpSde}: a step i uniform in {0, ..., N - 1},
     * x_i = sqrt(alphabar_i) x0 + sqrt(1 - alphabar_i) z, the network predicting -z with a plain
     * squared error (score = -eps / sqrt(1 - alphabar_i), i.e. net / s). The network sees
     * t_i = (i + 1) / N, where the continuous m(t)^2 is close to alphabar_i (it converges as N grows).
     * The time floor is not used.
     *
     * @param levels N, the number of diffusion steps (1000 in DDPM)
     */
    static LossWeighting discreteDdpm(int levels) {
        return new DiscreteDdpm(Checks.positive("levels", levels));
    }

    /**
     * A sampler of (t, w) pairs, and of the perturbation's m and s, for one SDE and time floor.
     *
     * @param sde the SDE
     * @param timeFloor t_min &gt; 0, the smallest training time (the paper's eps)
     */
    TimeSampler sampler(Sde sde, double timeFloor);

    /** Draws training times and their loss weights. */
    interface TimeSampler {
        /** Fills t and w for {@code n} examples from {@code rng} (example i uses index i). */
        void draw(RandomSource rng, double[] t, double[] w);

        /**
         * Fills t, w and the perturbation's mean coefficient m and std s; by default the SDE's
         * continuous kernel at t.
         */
        default void draw(RandomSource rng, Sde sde, double[] t, double[] w, double[] m, double[] s) {
            draw(rng, t, w);
            for (int i = 0; i < t.length; i++) {
                m[i] = sde.meanCoefficient(t[i]);
                s[i] = sde.marginalStd(t[i]);
            }
        }
    }

    /** The SMLD objective. */
    record DiscreteSmld(int levels) implements LossWeighting {
        @Override
        public TimeSampler sampler(Sde sde, double timeFloor) {
            if (!(sde instanceof io.github.scoresde.sde.VeSde ve)) {
                throw new IllegalArgumentException("the discrete SMLD objective needs a VeSde; got "
                        + sde.getClass().getSimpleName());
            }
            double[] sigmas = ve.discreteSigmas(levels);
            double[] ones = new double[levels];
            java.util.Arrays.fill(ones, 1);
            return discrete(levels, i -> levels == 1 ? 0 : (double) i / (levels - 1), ones, sigmas);
        }

        @Override
        public String toString() {
            return "discrete SMLD (" + levels + " levels)";
        }
    }

    /** The DDPM objective. */
    record DiscreteDdpm(int levels) implements LossWeighting {
        @Override
        public TimeSampler sampler(Sde sde, double timeFloor) {
            if (!(sde instanceof io.github.scoresde.sde.VpSde vp)) {
                throw new IllegalArgumentException("the discrete DDPM objective needs a VpSde; got "
                        + sde.getClass().getSimpleName());
            }
            double[] alphaBars = vp.alphaBars(levels);
            double[] mean = new double[levels];
            double[] std = new double[levels];
            for (int i = 0; i < levels; i++) {
                mean[i] = Math.sqrt(alphaBars[i]);
                std[i] = Math.sqrt(1 - alphaBars[i]);
            }
            return discrete(levels, i -> (i + 1.0) / levels, mean, std);
        }

        @Override
        public String toString() {
            return "discrete DDPM (" + levels + " steps)";
        }
    }

    /** lambda = s^2. */
    final class MarginalVariance implements LossWeighting {
        static final MarginalVariance INSTANCE = new MarginalVariance();

        private static final long serialVersionUID = 1L;

        private MarginalVariance() {
        }

        /** The one instance, also after deserialisation. */
        private Object readResolve() {
            return INSTANCE;
        }

        @Override
        public TimeSampler sampler(Sde sde, double timeFloor) {
            double lo = checkFloor(sde, timeFloor);
            double hi = sde.horizon();
            return (rng, t, w) -> {
                for (int i = 0; i < t.length; i++) {
                    t[i] = lo + (hi - lo) * rng.uniform(i, 0);
                    w[i] = 1;
                }
            };
        }

        @Override
        public String toString() {
            return "marginal-variance";
        }
    }

    /** lambda = g^2. */
    record Likelihood(boolean importanceSampling) implements LossWeighting {
        private static final int GRID = 4096;

        @Override
        public TimeSampler sampler(Sde sde, double timeFloor) {
            double lo = checkFloor(sde, timeFloor);
            double hi = sde.horizon();
            if (!importanceSampling) {
                return (rng, t, w) -> {
                    for (int i = 0; i < t.length; i++) {
                        t[i] = lo + (hi - lo) * rng.uniform(i, 0);
                        w[i] = weight(sde, t[i]);
                    }
                };
            }
            // tabulate the CDF of q(t) ~ w(t) on a log-spaced grid (w ~ 1/t near 0 for VP)
            double[] grid = new double[GRID];
            double[] cdf = new double[GRID];
            for (int k = 0; k < GRID; k++) {
                grid[k] = lo * Math.pow(hi / lo, (double) k / (GRID - 1));
            }
            for (int k = 1; k < GRID; k++) {
                cdf[k] = cdf[k - 1] + 0.5 * (weight(sde, grid[k - 1]) + weight(sde, grid[k])) * (grid[k] - grid[k - 1]);
            }
            double z = cdf[GRID - 1];
            double constant = z / (hi - lo);
            return (rng, t, w) -> {
                for (int i = 0; i < t.length; i++) {
                    double u = rng.uniform(i, 0) * z;
                    int k = java.util.Arrays.binarySearch(cdf, u);
                    if (k < 0) {
                        k = -k - 2;
                    }
                    k = Math.max(0, Math.min(GRID - 2, k));
                    double frac = (u - cdf[k]) / (cdf[k + 1] - cdf[k]);
                    t[i] = grid[k] + frac * (grid[k + 1] - grid[k]);
                    w[i] = constant;
                }
            };
        }

        /** w(t) = g(t)^2 / s(t)^2. */
        static double weight(Sde sde, double t) {
            double g = sde.diffusion(t);
            double s = sde.marginalStd(t);
            return g * g / (s * s);
        }

        @Override
        public String toString() {
            return "likelihood" + (importanceSampling ? " (importance-sampled t)" : "");
        }
    }

    /**
     * A level i uniform in {0, ..., levels - 1} per example, with the network time time(i), weight
     * 1 and the perturbation mean[i], std[i].
     */
    private static TimeSampler discrete(int levels, java.util.function.IntToDoubleFunction time, double[] mean,
            double[] std) {
        return new TimeSampler() {
            @Override
            public void draw(RandomSource rng, double[] t, double[] w) {
                draw(rng, null, t, w, new double[t.length], new double[t.length]);
            }

            @Override
            public void draw(RandomSource rng, Sde unused, double[] t, double[] w, double[] m, double[] s) {
                for (int k = 0; k < t.length; k++) {
                    int i = (int) Math.min(levels - 1, Math.floor(levels * rng.uniform(k, 0)));
                    t[k] = time.applyAsDouble(i);
                    w[k] = 1;
                    m[k] = mean[i];
                    s[k] = std[i];
                }
            }
        };
    }

    private static double checkFloor(Sde sde, double timeFloor) {
        Checks.notNull("sde", sde);
        if (!(timeFloor > 0 && timeFloor < sde.horizon())) {
            throw new IllegalArgumentException("timeFloor must lie in (0, " + sde.horizon() + "); got " + timeFloor);
        }
        return timeFloor;
    }
}
