package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * B1 and B5 of BENCHMARKS.md: the toy MLP trained 10,000 steps on eight-gaussians (VP, batch 512,
 * Adam 1e-3, EMA 0.999), then the PC sampler (reverse diffusion + Langevin snr 0.16, 1000 steps) on
 * 10,000 samples against 10,000 exact draws, and the NLL of 2,000 exact draws (PF-ODE, exact
 * divergence by vector-Jacobian products) against the exact NLL. Prints steps per second and the
 * quality figures; asserts stated bounds: sliced W1 at most 4 times the floor, mode-weight error at
 * most 0.03, |NLL error| at most 0.15 nats per example.
 *
 * <p>Runtime on 2 cores: about 10-20 minutes. Run with {@code mvn -B test -Pslow}.
 */
@Tag("slow")
class TrainedQualityExperiment {

    @Test
    void toyMlpOnEightGaussians() {
        Sde sde = new VpSde();
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Trainer.Result r = new Trainer(Trainer.Settings.defaults(10_000, 0).withLogEvery(1000))
                .train(ScoreNetwork.create(ScoreNetworkConfig.toyMlp(2, 0)), sde, ToyDatasets.named("eight-gaussians"),
                        DataScaler.identity(2));
        INDArray ref = MixtureQuality.reference(mix, 10_000);
        MixtureQuality.Floor floor = MixtureQuality.floor(mix, 10_000, 4);
        SamplingResult s = PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16).sample(sde, r.model().score(),
                10_000, 1);
        MixtureQuality.Figures q = MixtureQuality.measure(s.samples(), ref, mix);
        INDArray x = mix.sample(2000, RandomSource.of(77));
        Likelihood.Result nll = Likelihood.create().logLikelihood(sde, r.model().score(), x, RandomSource.of(0));
        double exact = 0;
        for (double v : mix.logDensity(x)) {
            exact -= v / 2000;
        }
        System.out.printf("%nB1: %.1f training steps/s (batch 512)%nB5: sliced W1 %.4f (floor %.4f), mode error %.4f,"
                + " sampling %.1f s; NLL %.4f vs exact %.4f (|error| %.4f), %d evaluations%n", r.stepsPerSecond(),
                q.slicedWasserstein(), floor.slicedWassersteinMean(), q.modeWeightError(),
                s.elapsed().toMillis() / 1000.0, nll.meanNll(), exact, Math.abs(nll.meanNll() - exact),
                nll.scoreEvaluations());
        assertTrue(q.slicedWasserstein() <= 4 * floor.slicedWassersteinMean(), "sliced W1 " + q.slicedWasserstein());
        assertTrue(q.modeWeightError() <= 0.03, "mode-weight error " + q.modeWeightError());
        assertTrue(Math.abs(nll.meanNll() - exact) <= 0.15, "NLL error " + Math.abs(nll.meanNll() - exact));
    }
}
