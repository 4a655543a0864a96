package io.github.scoresde.samplers;

import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One step of a numerical solver of the reverse-time SDE, from t_k to t_k - h_k (docs/math.md
 * section 4). Implementations are immutable and stateless.
 */
public interface Predictor {

    /**
     * Takes one step.
     *
     * @param ctx the step's context (score, time, noise)
     * @param x the current state {@code [batch, d...]}; implementations may overwrite it
     * @return the new state and its noise-free mean
     */
    StepResult step(StepContext ctx, INDArray x);

    /** Score evaluations per step. */
    int scoreEvaluations();

    /**
     * Checks that this predictor applies to the SDE, before sampling starts.
     *
     * @throws IllegalArgumentException naming what the SDE lacks
     */
    default void checkApplicable(Sde sde) {
    }

    /** The Euler-Maruyama predictor. */
    static Predictor eulerMaruyama() {
        return new EulerMaruyamaPredictor();
    }

    /** The reverse-diffusion predictor. */
    static Predictor reverseDiffusion() {
        return new ReverseDiffusionPredictor();
    }

    /** The ancestral-sampling predictor (VP: DDPM, VE: SMLD). */
    static Predictor ancestral() {
        return new AncestralSamplingPredictor();
    }

    /** No predictor: corrector-only sampling. */
    static Predictor none() {
        return NonePredictor.INSTANCE;
    }
}
