package io.github.scoresde.sde;

/**
 * Capability of an SDE whose discretisation is a Markov chain with a known posterior, so that
 * ancestral sampling applies (docs/math.md section 4): DDPM for {@link VpSde}, SMLD for {@link VeSde}.
 * Samplers ask for this interface rather than switching on SDE classes.
 */
public interface AncestralSchedule {

    /**
     * The ancestral update at step i of N: x_mean = xScale x + scoreScale s(x, t_i),
     * x = x_mean + noiseStd z.
     */
    AncestralStep ancestralStep(int i, int steps);

    /** Checks 0 &lt;= i &lt; steps, naming the values. */
    static void checkIndex(int i, int steps) {
        io.github.scoresde.core.Checks.positive("steps", steps);
        if (i < 0 || i >= steps) {
            throw new IllegalArgumentException("i must lie in [0, " + steps + "); got " + i);
        }
    }

    /** Coefficients of one ancestral update. */
    record AncestralStep(double xScale, double scoreScale, double noiseStd) {
    }
}
