package io.github.scoresde.sde;

/**
 * An SDE discretised into N steps, x_{i+1} = x_i + f_i(x_i) + G_i z_i (docs/math.md section 2), with
 * f_i(x) = {@link #driftFactor(int, double)} * x. Step index i runs from 0 (near t = 0) to
 * N - 1 (t = T); the time t is passed as well, for discretisations that need it (the generic
 * Euler-Maruyama one). Samplers pass the index of the step they take rather than recomputing it
 * from a floating-point time.
 */
public interface Discretization {

    /** N, the number of steps. */
    int steps();

    /** The factor c_i with f_i(x) = c_i x. */
    double driftFactor(int i, double t);

    /** G_i, the standard deviation of the noise added at step i. */
    double noiseScale(int i, double t);

    /**
     * The Langevin corrector's alpha at step i (docs/math.md section 5): the DDPM alpha_i = 1 - beta_i
     * for VP and sub-VP, 1 for VE.
     */
    double langevinAlpha(int i);

    /** The step index of time t under the reference convention i = floor(t (N - 1) / T). */
    static int indexOf(double t, double horizon, int steps) {
        return (int) Math.floor(t * (steps - 1) / horizon);
    }
}
