package io.github.scoresde.samplers.likelihood;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Estimates the divergence div_x s(x, t) of a score model along one ODE solve (docs/math.md section 8).
 * {@link #start} prepares one solve over a batch (a Hutchinson probe is drawn there and held fixed
 * along the trajectory); the returned session evaluates the score and the divergence together.
 */
public interface DivergenceEstimator {

    /**
     * Prepares one solve.
     *
     * @param score the score model
     * @param batch the number of examples
     * @param dataType the data type of the state
     * @param rng randomness for probes (keyed by example index)
     * @throws IllegalArgumentException when the score model lacks the capability this estimator needs
     */
    Session start(ScoreFunction score, int batch, org.nd4j.linalg.api.buffer.DataType dataType, RandomSource rng);

    /**
     * Evaluations of the score and its divergence for one solve. The solve closes it when it ends,
     * which frees what the session holds (a Hutchinson estimator's probes).
     */
    interface Session extends AutoCloseable {
        /**
         * @return {@code [s(x, t), div s(x, t)]}: the score shaped like x and the divergence
         *     {@code [batch]} (an estimate, for stochastic estimators)
         */
        INDArray[] scoreAndDivergence(INDArray x, INDArray t);

        /** Frees what the session holds; it is not used afterwards. The default holds nothing. */
        @Override
        default void close() {
        }
    }

    /** The exact divergence: closed form where the model has one, else d vector-Jacobian products. */
    static DivergenceEstimator exact() {
        return ExactDivergence.INSTANCE;
    }

    /** Hutchinson-Skilling with one Rademacher probe, as in the reference code. */
    static DivergenceEstimator hutchinson() {
        return new HutchinsonDivergence(HutchinsonDivergence.Probe.RADEMACHER, 1);
    }
}
