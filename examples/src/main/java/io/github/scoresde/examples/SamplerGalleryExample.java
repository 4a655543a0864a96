package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.oracle.MixtureQuality;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Sampler gallery: the exact {@code eight-gaussians} score under VP, sub-VP and VE, every sampler
 * (Euler-Maruyama, reverse diffusion + Langevin, ancestral where the SDE has a discrete schedule,
 * probability-flow ODE), one panel each titled with its NFE and its sliced Wasserstein distance to
 * exact draws. No training: it shows the samplers themselves.
 *
 * <p>Runtime on 2 CPU cores: about a minute with the defaults (2,000 samples, 1,000 steps). Writes
 * {@code target/sampler-gallery.png} by default.
 *
 * <pre>java -jar tools/target/scoresde.jar sampler-gallery</pre>
 */
@Command(name = "sampler-gallery", mixinStandardHelpOptions = true,
        description = "Every sampler on the exact eight-gaussians score under VP, sub-VP and VE, one panel each.")
public final class SamplerGalleryExample implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerGalleryExample.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--n", defaultValue = "2000", description = "samples per panel (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--steps", defaultValue = "1000", description = "steps of the SDE samplers (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "target/sampler-gallery.png", description = "PNG to write (default ${DEFAULT-VALUE})")
    Path out;

    /** What to run. */
    public record Options(int n, int steps, long seed, Path out) {
        /** Validates. */
        public Options {
            Checks.positive("--n", n);
            Checks.positive("--steps", steps);
            Checks.notNull("--out", out);
        }
    }

    /** One panel's figures. */
    public record Panel(String sde, String sampler, int nfe, double slicedWasserstein) {
    }

    /** What was written. */
    public record Result(Path image, List<Panel> panels, double floor) {
    }

    /** Samples with every sampler and writes the gallery. */
    public static Result run(Options o) {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        INDArray ref = MixtureQuality.reference(mix, o.n());
        double floor = MixtureQuality.floor(mix, o.n(), 2).slicedWassersteinMean();
        List<XYChart> charts = new ArrayList<>();
        List<Panel> panels = new ArrayList<>();
        for (SdeChoice choice : SdeChoice.values()) {
            Sde sde = choice.create(2);
            for (Map.Entry<String, Sampler> e : Workloads.samplers(sde, o.steps()).entrySet()) {
                SamplingResult r = e.getValue().sample(sde, new ExactMixtureScore(mix, sde), o.n(), o.seed());
                double sw = MixtureQuality.measure(r.samples(), ref, mix).slicedWasserstein();
                panels.add(new Panel(choice.label(), e.getKey(), r.scoreEvaluations(), sw));
                charts.add(Plots.scatter(String.format("%s %s: NFE %d, SW %.3f", choice.label(), e.getKey(),
                        r.scoreEvaluations(), sw), r.samples(), 2.8, new Color(30, 90, 200)));
                LOG.info("{} {}: NFE {}, sliced W1 {}", choice.label(), e.getKey(), r.scoreEvaluations(), sw);
            }
        }
        Path image = Plots.writeGrid(charts, 4, o.out());
        return new Result(image, panels, floor);
    }

    @Override
    public Integer call() {
        Result r = run(new Options(n, steps, seed, out));
        spec.commandLine().getOut().printf("%d panels (sliced W1 floor %.3f); wrote %s%n", r.panels().size(), r.floor(),
                r.image());
        return 0;
    }

    /** Runs the example from the command line. */
    public static void main(String[] args) {
        System.exit(Cli.execute(new SamplerGalleryExample(), args));
    }
}
