package io.github.scoresde.sde;


/**
 * The variance-preserving SDE, the continuous limit of DDPM (Ho et al. 2020):
 * dx = -beta(t) x / 2 dt + sqrt(beta(t)) dw, with m(t) = exp(a(t)), s(t) = sqrt(1 - exp(2 a(t)))
 * and prior N(0, I) (docs/math.md section 1). Discretised as DDPM: f_i = (sqrt(alpha_i) - 1) x,
 * G_i = sqrt(beta_i); ancestral sampling is DDPM's sampler.
 */
public final class VpSde extends LinearBetaSde implements AncestralSchedule {

    /** With the paper's beta_min = 0.1 and beta_max = 20. */
    public VpSde() {
        this(DEFAULT_BETA_MIN, DEFAULT_BETA_MAX);
    }

    /**
     * @throws IllegalArgumentException for a negative beta_min, a non-positive beta_max or
     *     beta_min &gt; beta_max, naming the values
     */
    public VpSde(double betaMin, double betaMax) {
        super(betaMin, betaMax);
    }

    @Override
    public double diffusion(double t) {
        return Math.sqrt(beta(t));
    }

    @Override
    public double marginalStd(double t) {
        checkTime(t);
        return Math.sqrt(-Math.expm1(2 * logMean(t)));
    }

    /** sigma(t) = sqrt(exp(B(t)) - 1), so t = B^-1(ln(1 + sigma^2)). */
    @Override
    public double timeAtNoiseLevel(double sigma) {
        return timeAtIntegral(Math.log1p(Math.pow(checkNoiseLevel(sigma), 2)));
    }

    @Override
    public Discretization discretize(int steps) {
        double[] betas = discreteBetas(steps);
        return new Discretization() {
            @Override
            public int steps() {
                return steps;
            }

            @Override
            public double driftFactor(int i, double t) {
                return Math.sqrt(1 - checkBeta(betas[i], steps, false)) - 1;
            }

            @Override
            public double noiseScale(int i, double t) {
                return Math.sqrt(betas[i]);
            }

            @Override
            public double langevinAlpha(int i) {
                return 1 - checkBeta(betas[i], steps, false);
            }

            @Override
            public String toString() {
                return "DDPM discretisation of " + VpSde.this + " in " + steps + " steps";
            }
        };
    }

    /** DDPM: x_mean = (x + beta_i s) / sqrt(1 - beta_i), noise std sqrt(beta_i). */
    @Override
    public AncestralStep ancestralStep(int i, int steps) {
        AncestralSchedule.checkIndex(i, steps);
        double frac = steps == 1 ? 0 : (double) i / (steps - 1);
        double beta = checkBeta((betaMin + frac * (betaMax - betaMin)) / steps, steps, true);
        double inv = 1 / Math.sqrt(1 - beta);
        return new AncestralStep(inv, beta * inv, Math.sqrt(beta));
    }

    @Override
    public String spec() {
        return spec("vp");
    }
}
