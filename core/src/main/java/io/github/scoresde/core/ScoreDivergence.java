package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Capability of a score model that knows its own exact divergence
 * {@code div_x s(x, t) = trace(d s / d x)} (for a true score, the Laplacian of log p_t) without
 * d separate vector-Jacobian products. The exact Gaussian-mixture score has it in closed form.
 */
public interface ScoreDivergence extends ScoreFunction {

    /**
     * @param x points, shape {@code [batch, sampleShape()...]}, not modified
     * @param t times, shape {@code [batch]}, not modified
     * @return the divergence per example, shape {@code [batch]}, data type of {@code x}
     */
    INDArray divergence(INDArray x, INDArray t);

    /**
     * The score and its divergence together; implementations that share work between the two
     * override this.
     *
     * @return {@code [score, divergence]}: the score shaped like x, the divergence {@code [batch]}
     */
    default INDArray[] scoreAndDivergence(INDArray x, INDArray t) {
        return new INDArray[] {score(x, t), divergence(x, t)};
    }

    /**
     * The score written as {@code out = a x + b s(x, t)} (the probability-flow drift's form,
     * a(t) x - g(t)^2 s / 2) and the divergence: what a likelihood solve reads, without an array for
     * the score where the model can write it directly (the exact mixture score). The default takes
     * {@link #scoreAndDivergence} and combines in one fused pass.
     *
     * @param out receives a x + b s, the shape of x, not x itself
     * @return the divergence per example, shape {@code [batch]}, data type of {@code x}
     */
    default INDArray affineScoreAndDivergence(INDArray x, INDArray t, double a, double b, INDArray out) {
        INDArray[] sd = scoreAndDivergence(x, t);
        ScoreFunction.writeAffine(out, a, x, b, sd[0]);
        return sd[1];
    }

    /**
     * {@link #affineScoreAndDivergence(INDArray, INDArray, double, double, INDArray)} with one time
     * shared by the batch, what a likelihood solve asks for at each evaluation. The default builds
     * the times array ({@link ScoreFunction#atSharedTime}); the exact mixture score uses the scalar
     * directly and reads no times array.
     *
     * @param t the time of every example
     * @param out receives a x + b s, the shape of x, not x itself
     * @return the divergence per example, shape {@code [batch]}, data type of {@code x}
     */
    default INDArray affineScoreAndDivergence(INDArray x, double t, double a, double b, INDArray out) {
        return ScoreFunction.atSharedTime(x, t, times -> affineScoreAndDivergence(x, times, a, b, out));
    }
}
