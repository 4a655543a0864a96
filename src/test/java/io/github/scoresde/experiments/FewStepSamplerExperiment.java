package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.examples.Workloads;
import io.github.scoresde.oracle.MixtureQuality;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The few-step samplers' targets at full size (10,000 samples, docs/samplers.md): for
 * eight-gaussians and gmm-64 under VP, sub-VP and VE, DPM-Solver++(2M) at 20 evaluations within
 * the floor plus four floor standard deviations (sliced W1 against 10,000 exact draws); and, from
 * the same prior draws, DPM-Solver++(2M) at 35 and EDM Heun at 99 evaluations within one floor
 * standard deviation of a float64 probability-flow solve at rtol = atol = 1e-8. Prints the whole
 * table of quality against evaluations. About 5 minutes on 2 cores: {@code mvn -B test -Pslow
 * -Dtest=FewStepSamplerExperiment -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class FewStepSamplerExperiment {
    private static final int N = Integer.getInteger("fewstep.samples", 10_000);

    @Test
    void targetsAtFullSize() {
        Workloads.FewStepGrid grid = Workloads.fewStepQuality(N);
        StringBuilder table = new StringBuilder(String.format("%n%-16s %-6s %-8s %5s %5s %10s %10s %10s %8s%n", "data",
                "sde", "sampler", "times", "NFE", "slicedW1", "modeErr", "toTight", "seconds"));
        grid.floors().forEach((name, f) -> table.append(String.format("%-16s floor sliced W1 %.4f (sd %.4f)%n", name,
                f.slicedWassersteinMean(), f.slicedWassersteinSd())));
        grid.tight().forEach((name, f) -> table.append(String.format("%-23s tight ODE sliced W1 %.4f%n", name,
                f.slicedWasserstein())));
        boolean ok = true;
        for (Workloads.FewStepRow r : grid.rows()) {
            MixtureQuality.Floor floor = grid.floors().get(r.data());
            String mark = "";
            if (r.sampler().equals("dpm++2m") && r.nfe() == 20) {
                boolean pass = r.figures().slicedWasserstein() <= floor.slicedWassersteinMean()
                        + 4 * floor.slicedWassersteinSd();
                ok &= pass;
                mark = pass ? "  target: floor + 4 sd, met" : "  <-- target floor + 4 sd missed";
            } else if (r.sampler().equals("dpm++2m") && r.nfe() == 35 || r.sampler().equals("heun") && r.nfe() == 99) {
                boolean pass = r.toTight() <= floor.slicedWassersteinSd();
                ok &= pass;
                mark = pass ? "  target: 1 floor sd from tight, met" : "  <-- target 1 floor sd from tight missed";
            }
            table.append(String.format("%-16s %-6s %-8s %5d %5d %10.4f %10.4f %10.4f %8.2f%s%n", r.data(), r.sde(),
                    r.sampler(), r.gridTimes(), r.nfe(), r.figures().slicedWasserstein(), r.figures().modeWeightError(),
                    r.toTight(), r.seconds(), mark));
        }
        System.out.println(table);
        assertTrue(ok, "some targets were missed:" + table);
    }
}
