package io.github.scoresde.examples;

import io.github.scoresde.core.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.nn.ScoreNetwork;
import io.github.scoresde.core.nn.ScoreNetworkConfig;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.samplers.metrics.MixtureQuality;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyDatasets;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Benchmark workloads shared by the {@code bench} command and the slow JUnit experiments, so both
 * measure exactly the same thing.
 */
public final class Workloads {
    private Workloads() {
    }

    /**
     * B5's figures.
     *
     * @param stepsPerSecond training throughput (B1's figure on this data)
     * @param quality sliced W1 and mode-weight error of 10,000 PC samples against 10,000 exact draws
     * @param floor the same figures between independent exact sets
     * @param modelNll the model's mean NLL of 2,000 exact draws (PF-ODE, exact divergence)
     * @param exactNll the exact mean NLL of those draws
     * @param samplingSeconds the PC sampler's wall time
     */
    public record TrainedQuality(double stepsPerSecond, MixtureQuality.Figures quality, MixtureQuality.Floor floor,
            double modelNll, double exactNll, double samplingSeconds) {
    }

    /**
     * B5: the toy MLP trained {@code steps} steps on eight-gaussians (VP, batch 512, EMA 0.999),
     * the PC sampler (reverse diffusion + Langevin snr 0.16, 1000 steps) on 10,000 samples, and the
     * NLL of 2,000 exact draws through the probability-flow ODE with the exact divergence.
     */
    public static TrainedQuality trainedQuality(int steps, int logEvery) {
        Sde sde = new VpSde();
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Trainer.Result t = new Trainer(Trainer.Settings.defaults(steps, 0).withLogEvery(logEvery))
                .train(ScoreNetwork.create(ScoreNetworkConfig.toyMlp(2, 0)), sde, ToyDatasets.named("eight-gaussians"),
                        DataScaler.identity(2));
        INDArray ref = MixtureQuality.reference(mix, 10_000);
        MixtureQuality.Floor floor = MixtureQuality.floor(mix, 10_000, 4);
        SamplingResult s = PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16).sample(sde, t.model().score(),
                10_000, 1);
        MixtureQuality.Figures q = MixtureQuality.measure(s.samples(), ref, mix);
        INDArray x = mix.sample(2000, RandomSource.of(77));
        Likelihood.Result nll = Likelihood.create().logLikelihood(sde, t.model().score(), x, RandomSource.of(0));
        double exact = 0;
        for (double v : mix.logDensity(x)) {
            exact -= v / 2000;
        }
        return new TrainedQuality(t.stepsPerSecond(), q, floor, nll.meanNll(), exact, s.elapsed().toMillis() / 1000.0);
    }
}
