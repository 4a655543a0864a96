package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.GaussianMixture;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.metrics.MixtureQuality;
import io.github.scoresde.sde.AncestralSchedule;
import io.github.scoresde.sde.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * B3 of BENCHMARKS.md at full size: eight-gaussians and gmm-64 under VP, VE and sub-VP, every
 * sampler of B2 (Euler-Maruyama 1000 steps, reverse diffusion + Langevin snr 0.16, ancestral where
 * defined, probability-flow ODE with Dormand-Prince rtol = atol = 1e-5), 10,000 samples against
 * 10,000 exact draws. Prints sliced W1, mode-weight error, NFE and seconds per run (the B2 figures)
 * beside the floor, and asserts the same stated multiples of the floor as the fast
 * {@code SamplerQualityTest} (2.5, and 3.5 for the Langevin PC sampler; mode error at most 0.02).
 *
 * <p>Runtime on 2 cores: about 10-15 minutes. Run with {@code mvn -B test -Pslow}.
 */
@Tag("slow")
class SamplerQualityExperiment {
    private static final int N = 10_000;

    @Test
    void fullGridAgainstExactDraws() {
        StringBuilder table = new StringBuilder(String.format("%n%-16s %-6s %-16s %10s %10s %6s %8s%n", "data", "sde",
                "sampler", "slicedW1", "modeErr", "NFE", "seconds"));
        boolean ok = true;
        for (GaussianMixture mix : new GaussianMixture[] {GaussianMixture.eightGaussians(), GaussianMixture.gmm64()}) {
            String name = mix.dimension() == 2 ? "eight-gaussians" : "gmm-64";
            MixtureQuality.Floor floor = MixtureQuality.floor(mix, N, 4);
            INDArray ref = MixtureQuality.reference(mix, N);
            table.append(String.format("%-16s %-6s %-16s %10.4f %10.4f%n", name, "-", "floor (exact)",
                    floor.slicedWassersteinMean(), floor.modeWeightErrorMean()));
            Sde[] sdes = {new VpSde(), new SubVpSde(), new VeSde(0.01, mix.dimension() == 2 ? 10 : 50)};
            for (Sde sde : sdes) {
                Map<String, Sampler> samplers = new LinkedHashMap<>();
                samplers.put("euler-maruyama", PredictorCorrectorSampler.eulerMaruyama(1000));
                samplers.put("pc", PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16));
                if (sde instanceof AncestralSchedule) {
                    samplers.put("ancestral", PredictorCorrectorSampler.ancestral(1000));
                }
                samplers.put("ode", ProbabilityFlowSampler.create());
                for (Map.Entry<String, Sampler> e : samplers.entrySet()) {
                    SamplingResult r = e.getValue().sample(sde, new ExactMixtureScore(mix, sde), N, 7);
                    MixtureQuality.Figures q = MixtureQuality.measure(r.samples(), ref, mix);
                    double multiple = e.getKey().equals("pc") ? 3.5 : 2.5;
                    boolean pass = q.slicedWasserstein() <= multiple * floor.slicedWassersteinMean()
                            && q.modeWeightError() <= 0.02;
                    ok &= pass;
                    table.append(String.format("%-16s %-6s %-16s %10.4f %10.4f %6d %8.2f%s%n", name,
                            sde.getClass().getSimpleName().replace("Sde", "").toLowerCase(), e.getKey(),
                            q.slicedWasserstein(), q.modeWeightError(), r.scoreEvaluations(),
                            r.elapsed().toMillis() / 1000.0, pass ? "" : "  <-- outside bound"));
                }
            }
        }
        System.out.println(table);
        assertTrue(ok, "some samplers were outside their bounds:" + table);
    }
}
