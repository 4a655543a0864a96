package io.github.scoresde.sde;

import io.github.scoresde.core.Checks;

/**
 * What {@link VpSde} and {@link SubVpSde} share: the linear noise schedule
 * beta(t) = beta_min + t (beta_max - beta_min), its integral B(t) and the log mean coefficient
 * a(t) = -B(t) / 2, the drift -beta(t) x / 2, and the DDPM discrete schedule
 * beta_i = linspace(beta_min / N, beta_max / N, N)_i with alpha_i = 1 - beta_i.
 */
public abstract sealed class LinearBetaSde implements Sde permits VpSde, SubVpSde {
    /** The paper's beta_min (Song et al. 2021, Appendix C). */
    public static final double DEFAULT_BETA_MIN = 0.1;
    /** The paper's beta_max (Song et al. 2021, Appendix C). */
    public static final double DEFAULT_BETA_MAX = 20.0;
    /** The paper's sampling end time eps for VP and sub-VP. */
    public static final double DEFAULT_END_TIME = 1e-3;
    /** T. */
    public static final double HORIZON = 1.0;

    final double betaMin;
    final double betaMax;

    LinearBetaSde(double betaMin, double betaMax) {
        Checks.nonNegative("betaMin", betaMin);
        Checks.positive("betaMax", betaMax);
        if (betaMin > betaMax) {
            throw new IllegalArgumentException("betaMin must not exceed betaMax; got betaMin = " + betaMin
                    + ", betaMax = " + betaMax);
        }
        this.betaMin = betaMin;
        this.betaMax = betaMax;
    }

    /** beta_min. */
    public double betaMin() {
        return betaMin;
    }

    /** beta_max. */
    public double betaMax() {
        return betaMax;
    }

    /** beta(t) = beta_min + t (beta_max - beta_min). */
    public double beta(double t) {
        checkTime(t);
        return betaMin + t * (betaMax - betaMin);
    }

    /** a(t) = ln m(t) = -B(t) / 2 with B(t) = beta_min t + t^2 (beta_max - beta_min) / 2. */
    double logMean(double t) {
        return -0.5 * (betaMin * t + 0.5 * t * t * (betaMax - betaMin));
    }

    @Override
    public double horizon() {
        return HORIZON;
    }

    @Override
    public double driftCoefficient(double t) {
        return -0.5 * beta(t);
    }

    @Override
    public double meanCoefficient(double t) {
        checkTime(t);
        return Math.exp(logMean(t));
    }

    @Override
    public double priorStd() {
        return 1.0;
    }

    @Override
    public double defaultEndTime() {
        return DEFAULT_END_TIME;
    }

    /**
     * The time at which B(t) = {@code b}: the root of beta_min t + t^2 (beta_max - beta_min) / 2 = b,
     * written as 2b / (beta_min + sqrt(beta_min^2 + 2 (beta_max - beta_min) b)) so that it stays
     * exact for beta_max = beta_min and small b.
     */
    double timeAtIntegral(double b) {
        double root = Math.sqrt(betaMin * betaMin + 2 * (betaMax - betaMin) * b);
        return b == 0 ? 0 : Math.min(HORIZON, 2 * b / (betaMin + root));
    }

    /**
     * beta_i itself when the schedule's largest beta, beta_max / N, is at most 1 (below 1 when
     * {@code strict}, as the ancestral step divides by sqrt(1 - beta_i)); else (too few steps for the
     * schedule) an error naming the problem, whichever level is asked for, instead of the NaN of
     * sqrt(1 - beta_i) at the last levels. (With N = 1 the one level's beta is beta_min / 1, which
     * alone would pass: the rule is the schedule's, so that every N below the limit is refused.)
     */
    final double checkBeta(double beta, int steps, boolean strict) {
        double largest = betaMax / steps;
        if (largest > 1 || (strict && largest >= 1)) {
            throw new IllegalArgumentException("the DDPM betas of " + this + " need beta_max / N "
                    + (strict ? "< 1" : "<= 1") + ", so " + (strict ? "more than " : "at least ")
                    + (int) Math.ceil(betaMax) + " steps; got " + steps + " (beta_max / N = " + largest
                    + "); use more steps, or the Euler-Maruyama predictor");
        }
        return beta;
    }

    /** The DDPM betas beta_i = linspace(beta_min / N, beta_max / N, N)_i. */
    public double[] discreteBetas(int steps) {
        Checks.positive("steps", steps);
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            double frac = steps == 1 ? 0 : (double) i / (steps - 1);
            b[i] = (betaMin + frac * (betaMax - betaMin)) / steps;
        }
        return b;
    }

    /** alphabar_i = prod_{j &lt;= i} (1 - beta_j) of the DDPM schedule. */
    public double[] alphaBars(int steps) {
        double[] b = discreteBetas(steps);
        double[] out = new double[steps];
        double acc = 1;
        for (int i = 0; i < steps; i++) {
            acc *= 1 - b[i];
            out[i] = acc;
        }
        return out;
    }

    /** The {@link #spec()} of this schedule under the given type name. */
    String spec(String type) {
        return String.format(java.util.Locale.ROOT, "%s;%s;%s", type, betaMin, betaMax);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[betaMin=" + betaMin + ", betaMax=" + betaMax + ", T=" + HORIZON + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((LinearBetaSde) o).betaMin == betaMin
                && ((LinearBetaSde) o).betaMax == betaMax;
    }

    @Override
    public int hashCode() {
        return getClass().hashCode() * 31 + Double.hashCode(betaMin) * 17 + Double.hashCode(betaMax);
    }
}
