package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.examples.Workloads;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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
        Workloads.QualityGrid grid = Workloads.samplerQuality(N);
        StringBuilder table = new StringBuilder(String.format("%n%-16s %-6s %-16s %10s %10s %6s %8s%n", "data", "sde",
                "sampler", "slicedW1", "modeErr", "NFE", "seconds"));
        grid.floors().forEach((name, floor) -> table.append(String.format("%-16s %-6s %-16s %10.4f %10.4f%n", name,
                "-", "floor (exact)", floor.slicedWassersteinMean(), floor.modeWeightErrorMean())));
        boolean ok = true;
        for (Workloads.QualityRow r : grid.rows()) {
            double multiple = r.sampler().equals("pc") ? 3.5 : 2.5;
            boolean pass = r.figures().slicedWasserstein() <= multiple
                    * grid.floors().get(r.data()).slicedWassersteinMean() && r.figures().modeWeightError() <= 0.02;
            ok &= pass;
            table.append(String.format("%-16s %-6s %-16s %10.4f %10.4f %6d %8.2f%s%n", r.data(), r.sde(), r.sampler(),
                    r.figures().slicedWasserstein(), r.figures().modeWeightError(), r.nfe(), r.seconds(),
                    pass ? "" : "  <-- outside bound"));
        }
        System.out.println(table);
        assertTrue(ok, "some samplers were outside their bounds:" + table);
    }
}
