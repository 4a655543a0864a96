package io.github.scoresde.nn;

/**
 * How a network's output becomes a score (docs/math.md section 7; for imported networks,
 * docs/interop.md). A named choice rather than a magic division inside the adapter. With
 * x_t = m(t) x0 + s(t) z, m the SDE's mean coefficient and s its marginal std:
 */
public enum Parameterization {
    /**
     * score = net(x, t) / s(t) (the reference code's choice and this library's training): the
     * network predicts -z, which stays O(1) at every noise level.
     */
    DIVIDE_BY_MARGINAL_STD,
    /** score = net(x, t): the network outputs the score itself (score_sde's VE models). */
    DIRECT,
    /**
     * score = -net(x, t) / s(t): the network predicts the noise z (DDPM, diffusers, score_sde's
     * VP models).
     */
    EPSILON,
    /** score = (m(t) net(x, t) - x) / s(t)^2: the network predicts the clean data x0. */
    DATA
}
