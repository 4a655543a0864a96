package io.github.scoresde.sde;

/**
 * The sub-VP SDE of Song et al. (2021): dx = -beta(t) x / 2 dt + sqrt(beta(t) (1 - exp(-2 B(t)))) dw,
 * with m(t) = exp(a(t)) and s(t) = 1 - exp(2 a(t)) (the standard deviation itself, without a
 * square root: its variance is bounded by the VP SDE's), prior N(0, I) (docs/math.md section 1).
 *
 * <p>Discretisation: the generic Euler-Maruyama one, f_i = a(t) x / N, G_i = g(t) sqrt(T / N),
 * as in the reference code. Unlike the reference code, whose sub-VP SDE has no alphas and so
 * breaks its Langevin corrector, the Langevin alpha_i here is the DDPM alpha of the same beta
 * schedule. There is no ancestral sampler: sub-VP is not the limit of a known Markov chain.
 */
public final class SubVpSde extends LinearBetaSde {

    /** With the paper's beta_min = 0.1 and beta_max = 20. */
    public SubVpSde() {
        this(DEFAULT_BETA_MIN, DEFAULT_BETA_MAX);
    }

    /**
     * @throws IllegalArgumentException for a negative beta_min, a non-positive beta_max or
     *     beta_min &gt; beta_max, naming the values
     */
    public SubVpSde(double betaMin, double betaMax) {
        super(betaMin, betaMax);
    }

    /** g(t) = sqrt(beta(t) (1 - exp(-2 B(t)))) = sqrt(beta(t) (1 - exp(4 a(t)))). */
    @Override
    public double diffusion(double t) {
        return Math.sqrt(beta(t) * -Math.expm1(4 * logMean(t)));
    }

    @Override
    public double marginalStd(double t) {
        checkTime(t);
        return -Math.expm1(2 * logMean(t));
    }

    /** sigma(t) = (1 - m^2) / m = 2 sinh(B(t) / 2), so t = B^-1(2 asinh(sigma / 2)). */
    @Override
    public double timeAtNoiseLevel(double sigma) {
        double h = checkNoiseLevel(sigma) / 2;
        // asinh(h) = log1p(h + h^2 / (1 + sqrt(1 + h^2))), exact for small h
        return timeAtIntegral(2 * Math.log1p(h + h * h / (1 + Math.sqrt(1 + h * h))));
    }

    @Override
    public Discretization discretize(int steps) {
        double[] betas = discreteBetas(steps);
        double dt = HORIZON / steps;
        return new Discretization() {
            @Override
            public int steps() {
                return steps;
            }

            @Override
            public double driftFactor(int i, double t) {
                return driftCoefficient(t) * dt;
            }

            @Override
            public double noiseScale(int i, double t) {
                return diffusion(t) * Math.sqrt(dt);
            }

            @Override
            public double langevinAlpha(int i) {
                // the DDPM alpha_i = 1 - beta_i, positive only while beta_max / N <= 1
                return 1 - checkBeta(betas[i], steps, false);
            }

            @Override
            public String toString() {
                return "Euler-Maruyama discretisation of " + SubVpSde.this + " in " + steps + " steps";
            }
        };
    }

    @Override
    public String spec() {
        return spec("subvp");
    }
}
