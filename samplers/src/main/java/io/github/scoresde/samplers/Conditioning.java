package io.github.scoresde.samplers;

import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The hook through which conditioning acts on the predictor-corrector loop (docs/math.md section 9),
 * so that no sampler loop is copied for a variant: it may change the starting state, wrap the
 * score (guidance), and rewrite the state after every corrector and predictor step (inpainting,
 * colorization, linear observations). The default methods do nothing.
 */
public interface Conditioning {

    /** Which kind of step just ran. */
    enum Stage {
        /** After the corrector's steps at time t_k (the state is at t_k). */
        CORRECTOR,
        /** After the predictor's step from t_k (the state is at t_k - h_k). */
        PREDICTOR
    }

    /**
     * The starting state for samples {@code firstIndex ..} given their prior draw.
     *
     * @param ctx the context of step 0 (its noise slots are free for this use)
     * @param prior the prior draw {@code [rows, d...]}; may be overwritten
     */
    default INDArray initial(StepContext ctx, INDArray prior) {
        return prior;
    }

    /**
     * The score used for samples {@code firstIndex .. firstIndex + rows}, e.g. with a guidance
     * term added.
     */
    default ScoreFunction score(ScoreFunction score, Sde sde, long firstIndex, int rows) {
        return score;
    }

    /**
     * Rewrites the state after a step. The arrays returned follow {@link StepResult}'s ownership
     * rule: new, or those of {@code result}, never arrays the conditioning keeps (copy observed
     * data into the result rather than returning it).
     *
     * @param ctx the step's context
     * @param result the step's state and mean
     * @param stage which step just ran
     * @param time the time the state is at after the step
     */
    default StepResult afterStep(StepContext ctx, StepResult result, Stage stage, double time) {
        return result;
    }

    /** No conditioning (the one instance {@link #NONE}). */
    static Conditioning none() {
        return NONE;
    }

    /** No conditioning. */
    Conditioning NONE = new Conditioning() {
        @Override
        public String toString() {
            return "none";
        }
    };
}
