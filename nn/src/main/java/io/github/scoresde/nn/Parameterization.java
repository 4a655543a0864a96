package io.github.scoresde.nn;

/**
 * How a network's output becomes a score (docs/math.md section 7). A named choice rather than a
 * magic division inside the adapter.
 */
public enum Parameterization {
    /**
     * score = net(x, t) / s(t), s the marginal std of the SDE (the reference code's choice): the
     * network predicts -z, which stays O(1) at every noise level.
     */
    DIVIDE_BY_MARGINAL_STD,
    /** score = net(x, t): the network outputs the score itself. */
    DIRECT
}
