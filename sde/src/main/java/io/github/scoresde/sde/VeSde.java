package io.github.scoresde.sde;

import io.github.scoresde.core.Checks;

/**
 * The variance-exploding SDE, the continuous limit of SMLD / NCSN (Song and Ermon 2019):
 * dx = sigma(t) sqrt(2 ln(sigma_max / sigma_min)) dw with sigma(t) = sigma_min (sigma_max /
 * sigma_min)^t, m(t) = 1 and prior N(0, sigma_max^2 I) (docs/math.md section 1).
 *
 * <p>The perturbation kernel is a named choice ({@link Kernel}): the exact variance
 * sigma(t)^2 - sigma_min^2 (the default here), or sigma(t)^2, the approximation the reference code
 * uses (it treats x(0) as already perturbed by sigma_min). The prior is N(0, sigma_max^2 I) under
 * both. Discretised as SMLD: f_i = 0, G_i = sqrt(sigma_i^2 - sigma_{i-1}^2), sigma_{-1} = 0.
 */
public final class VeSde implements Sde, AncestralSchedule {
    /** sigma_min for 2-D data (Song et al. 2021; BENCHMARKS.md). */
    public static final double DEFAULT_SIGMA_MIN = 0.01;
    /** sigma_max for 2-D data (BENCHMARKS.md); choose about the largest distance between data points. */
    public static final double DEFAULT_SIGMA_MAX = 10.0;
    /** The paper's sampling end time eps for VE. */
    public static final double DEFAULT_END_TIME = 1e-5;
    /** T. */
    public static final double HORIZON = 1.0;

    /** The perturbation kernel's variance. */
    public enum Kernel {
        /** s(t)^2 = sigma(t)^2 - sigma_min^2: the kernel the SDE actually has (s(0) = 0). */
        EXACT,
        /** s(t)^2 = sigma(t)^2: the reference code's approximation (s(0) = sigma_min). */
        SIGMA_APPROXIMATION
    }

    private final double sigmaMin;
    private final double sigmaMax;
    private final Kernel kernel;
    private final double logRatio;

    /** sigma_min = 0.01, sigma_max = 10, exact kernel. */
    public VeSde() {
        this(DEFAULT_SIGMA_MIN, DEFAULT_SIGMA_MAX, Kernel.EXACT);
    }

    /** The exact kernel with the given sigmas. */
    public VeSde(double sigmaMin, double sigmaMax) {
        this(sigmaMin, sigmaMax, Kernel.EXACT);
    }

    /**
     * @throws IllegalArgumentException for non-positive sigmas or sigma_min &gt;= sigma_max,
     *     naming the values
     */
    public VeSde(double sigmaMin, double sigmaMax, Kernel kernel) {
        Checks.positive("sigmaMin", sigmaMin);
        Checks.positive("sigmaMax", sigmaMax);
        Checks.notNull("kernel", kernel);
        if (sigmaMin >= sigmaMax) {
            throw new IllegalArgumentException("sigmaMin must be smaller than sigmaMax; got sigmaMin = " + sigmaMin
                    + ", sigmaMax = " + sigmaMax);
        }
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
        this.kernel = kernel;
        this.logRatio = Math.log(sigmaMax / sigmaMin);
    }

    /** sigma_min. */
    public double sigmaMin() {
        return sigmaMin;
    }

    /** sigma_max. */
    public double sigmaMax() {
        return sigmaMax;
    }

    /** The perturbation kernel in use. */
    public Kernel kernel() {
        return kernel;
    }

    /** sigma(t) = sigma_min (sigma_max / sigma_min)^t. */
    public double sigma(double t) {
        checkTime(t);
        return sigmaMin * Math.exp(t * logRatio);
    }

    @Override
    public double horizon() {
        return HORIZON;
    }

    @Override
    public double driftCoefficient(double t) {
        checkTime(t);
        return 0;
    }

    @Override
    public double diffusion(double t) {
        return sigma(t) * Math.sqrt(2 * logRatio);
    }

    @Override
    public double meanCoefficient(double t) {
        checkTime(t);
        return 1;
    }

    @Override
    public double marginalStd(double t) {
        double s = sigma(t);
        if (kernel == Kernel.SIGMA_APPROXIMATION) {
            return s;
        }
        // sigma_min^2 (r^{2t} - 1), computed with expm1 to keep precision near t = 0
        return sigmaMin * Math.sqrt(Math.expm1(2 * t * logRatio));
    }

    /**
     * m = 1, so sigma(t) = s(t): t = ln(1 + (sigma / sigma_min)^2) / (2 ln(sigma_max / sigma_min))
     * for the exact kernel, ln(sigma / sigma_min) / ln(sigma_max / sigma_min) for the approximation.
     */
    @Override
    public double timeAtNoiseLevel(double sigma) {
        double r = checkNoiseLevel(sigma) / sigmaMin;
        double t = kernel == Kernel.SIGMA_APPROXIMATION ? Math.log(r) / logRatio : Math.log1p(r * r) / (2 * logRatio);
        return Math.min(Math.max(t, 0), HORIZON);
    }

    @Override
    public double priorStd() {
        return sigmaMax;
    }

    @Override
    public double defaultEndTime() {
        return DEFAULT_END_TIME;
    }

    /** The SMLD noise levels sigma_i = exp(linspace(ln sigma_min, ln sigma_max, N))_i. */
    public double[] discreteSigmas(int steps) {
        Checks.positive("steps", steps);
        double[] s = new double[steps];
        for (int i = 0; i < steps; i++) {
            double frac = steps == 1 ? 0 : (double) i / (steps - 1);
            s[i] = Math.exp(Math.log(sigmaMin) + frac * logRatio);
        }
        return s;
    }

    @Override
    public Discretization discretize(int steps) {
        double[] sig = discreteSigmas(steps);
        return new Discretization() {
            @Override
            public int steps() {
                return steps;
            }

            @Override
            public double driftFactor(int i, double t) {
                return 0;
            }

            @Override
            public double noiseScale(int i, double t) {
                double prev = i == 0 ? 0 : sig[i - 1];
                return Math.sqrt(sig[i] * sig[i] - prev * prev);
            }

            @Override
            public double langevinAlpha(int i) {
                return 1;
            }

            @Override
            public String toString() {
                return "SMLD discretisation of " + VeSde.this + " in " + steps + " steps";
            }
        };
    }

    /**
     * SMLD ancestral step: x_mean = x + (sigma_i^2 - sigma_{i-1}^2) s, noise std
     * sqrt(sigma_{i-1}^2 (sigma_i^2 - sigma_{i-1}^2) / sigma_i^2), sigma_{-1} = 0.
     */
    @Override
    public AncestralStep ancestralStep(int i, int steps) {
        AncestralSchedule.checkIndex(i, steps);
        double frac = steps == 1 ? 0 : (double) i / (steps - 1);
        double sig = Math.exp(Math.log(sigmaMin) + frac * logRatio);
        double prev = i == 0 ? 0 : Math.exp(Math.log(sigmaMin) + (double) (i - 1) / (steps - 1) * logRatio);
        double diff = sig * sig - prev * prev;
        return new AncestralStep(1, diff, Math.sqrt(prev * prev * diff / (sig * sig)));
    }

    @Override
    public String spec() {
        return String.format(java.util.Locale.ROOT, "ve;%s;%s;%s", sigmaMin, sigmaMax, kernel);
    }

    @Override
    public String toString() {
        return "VeSde[sigmaMin=" + sigmaMin + ", sigmaMax=" + sigmaMax + ", kernel=" + kernel + ", T=" + HORIZON + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VeSde v && v.sigmaMin == sigmaMin && v.sigmaMax == sigmaMax && v.kernel == kernel;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(sigmaMin) * 31 + Double.hashCode(sigmaMax) * 7 + kernel.hashCode();
    }
}
