package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.examples.Workloads;
import io.github.scoresde.oracle.MixtureQuality;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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
        Workloads.TrainedQuality r = Workloads.trainedQuality(10_000, 1000);
        MixtureQuality.Figures q = r.quality();
        double nllError = Math.abs(r.modelNll() - r.exactNll());
        System.out.printf("%nB1: %.1f training steps/s (batch 512)%nB5: sliced W1 %.4f (floor %.4f), mode error %.4f,"
                + " sampling %.1f s; NLL %.4f vs exact %.4f (|error| %.4f)%n", r.stepsPerSecond(),
                q.slicedWasserstein(), r.floor().slicedWassersteinMean(), q.modeWeightError(), r.samplingSeconds(),
                r.modelNll(), r.exactNll(), nllError);
        assertTrue(q.slicedWasserstein() <= 4 * r.floor().slicedWassersteinMean(), "sliced W1 " + q.slicedWasserstein());
        assertTrue(q.modeWeightError() <= 0.03, "mode-weight error " + q.modeWeightError());
        assertTrue(nllError <= 0.15, "NLL error " + nllError);
    }
}
