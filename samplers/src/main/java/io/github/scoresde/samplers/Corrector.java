package io.github.scoresde.samplers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MCMC steps at a fixed time t_k that move the state towards p_{t_k} (docs/math.md section 5).
 * Implementations are immutable and stateless.
 */
public interface Corrector {

    /**
     * Takes this corrector's steps at the current time.
     *
     * @param ctx the step's context (score, time, noise; corrector step c uses noise slot 1 + c)
     * @param x the current state {@code [batch, d...]}; implementations may overwrite it
     * @return the new state and its noise-free mean
     */
    StepResult correct(StepContext ctx, INDArray x);

    /** Score evaluations per call of {@link #correct}. */
    int scoreEvaluations();

    /** Langevin corrector with target signal-to-noise ratio {@code snr}, one step per level. */
    static Corrector langevin(double snr) {
        return new LangevinCorrector(snr, 1);
    }

    /** No corrector: predictor-only sampling. */
    static Corrector none() {
        return NoneCorrector.INSTANCE;
    }
}
