package io.github.scoresde.core;

/**
 * A score model that is the score of one forward process, the one it was built or trained for:
 * samplers, ODE solves and likelihoods refuse to use it under another process (its values would
 * be grad log p_t of the wrong marginals). Implemented by the exact mixture score and by a trained
 * model's score; a score without this capability is taken as given.
 */
public interface ProcessBound {

    /** The text form of the process ({@code Sde.spec()}, e.g. {@code "vp;0.1;20.0"}); empty: not bound. */
    String processSpec();

    /**
     * Checks that a score may be used under the process with text form {@code spec}.
     *
     * @throws IllegalArgumentException naming both processes when the score is bound to another
     */
    static void check(Object score, String spec) {
        if (score instanceof ProcessBound b && !b.processSpec().isEmpty() && !b.processSpec().equals(spec)) {
            throw new IllegalArgumentException("the score was built for the SDE " + b.processSpec()
                    + " but is used under " + spec + "; its values are the score of the other process's marginals: "
                    + "sample, solve and score it under the SDE it was built for");
        }
    }
}
