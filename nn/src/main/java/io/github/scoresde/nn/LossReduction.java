package io.github.scoresde.nn;

/** How the squared error of one example is reduced over its dimensions (docs/math.md section 7). */
public enum LossReduction {
    /** 1/2 sum_d (paper and BENCHMARKS.md default). */
    HALF_SUM,
    /** mean over d. */
    MEAN;

    /** The factor c with loss = c sum_d (...)^2 for d dimensions. */
    public double factor(long dimensions) {
        return this == HALF_SUM ? 0.5 : 1.0 / dimensions;
    }
}
