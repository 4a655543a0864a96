package io.github.scoresde.samplers;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Draws samples from the model defined by an SDE and a score: the one interface every sampler
 * implements (predictor-corrector in all its configurations, probability-flow ODE, and the
 * few-step {@link DenoiserSampler}s: EDM Heun, DPM-Solver++(2M), DDIM).
 *
 * <p>Thread safety: the library's samplers are immutable configurations; one instance may sample
 * from many threads at once, each call with its own state, and gives each the samples it gives
 * alone. The score must then be safe to call from those threads too: the SDEs and the exact mixture
 * score are; a trained network's score is safe for concurrent evaluation but not while it trains.
 */
public interface Sampler {

    /**
     * The stream of a source whose draws are the prior draws x(T): draw i of a run is index i of
     * {@code rng.stream(PRIOR_STREAM)}.
     */
    long PRIOR_STREAM = 0;

    /**
     * Draws {@code n} samples of shape {@code score.sampleShape()}. By default:
     * {@link #sampleFrom} of the prior draws {@code sde.priorSample(rng.stream(PRIOR_STREAM), 0, n, shape)}.
     *
     * @param sde the forward SDE whose reverse process is simulated
     * @param score the score model
     * @param n the number of samples, &gt;= 1
     * @param rng the randomness; the same source gives the same samples
     * @return the samples {@code [n, sampleShape...]} with the score evaluations made and the time taken
     * @throws IllegalArgumentException for bad arguments, naming them
     * @throws SamplingDivergedException when a NaN or infinity appears in the state
     */
    default SamplingResult sample(Sde sde, ScoreFunction score, int n, RandomSource rng) {
        io.github.scoresde.core.Checks.notNull("sde", sde);
        io.github.scoresde.core.Checks.notNull("score", score);
        io.github.scoresde.core.Checks.notNull("rng", rng);
        io.github.scoresde.core.Checks.positive("n", n);
        return sampleFrom(sde, score, sde.priorSample(rng.stream(PRIOR_STREAM), 0, n, score.sampleShape()), rng);
    }

    /**
     * Draws samples starting from the given prior draws x(T) in place of the source's own (which
     * are {@code sde.priorSample(rng.stream(0), 0, n, shape)}: passing those gives the samples of
     * {@link #sample(Sde, ScoreFunction, int, RandomSource)}). With a deterministic sampler the
     * samples are a function of the latent alone, so two samplers can be compared on the same noise.
     *
     * @param latent x(T), {@code [n, sampleShape...]}, finite, not modified
     * @param rng the randomness of the steps (a deterministic sampler draws none)
     * @return as {@link #sample(Sde, ScoreFunction, int, RandomSource)}
     * @throws IllegalArgumentException for a latent of the wrong shape or with a NaN or infinity
     */
    SamplingResult sampleFrom(Sde sde, ScoreFunction score, INDArray latent, RandomSource rng);

    /** As {@link #sample(Sde, ScoreFunction, int, RandomSource)} with {@code RandomSource.of(seed)}. */
    default SamplingResult sample(Sde sde, ScoreFunction score, int n, long seed) {
        return sample(sde, score, n, RandomSource.of(seed));
    }
}
