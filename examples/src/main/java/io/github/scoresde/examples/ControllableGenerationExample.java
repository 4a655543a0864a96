package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.samplers.LangevinCorrector;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.guidance.ClassifierGuidance;
import io.github.scoresde.samplers.guidance.Inpainting;
import io.github.scoresde.samplers.likelihood.Interpolation;
import io.github.scoresde.oracle.ExactMixtureClassifier;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Controllable generation and latent codes on the exact {@code eight-gaussians} score (VP): three
 * panels. Class-conditional samples by classifier guidance with the exact noisy classifier (one
 * class); inpainting of the x-coordinate observed at 0 (the completions fall on the two modes with
 * x = 0); and the probability-flow ODE path between two data points: both are encoded, their codes
 * interpolated spherically, and every intermediate code decoded.
 *
 * <p>Runtime on 2 CPU cores: under a minute. Writes {@code target/controllable-generation.png}.
 *
 * <pre>java -jar tools/target/scoresde.jar controllable-generation --label 2</pre>
 */
@Command(name = "controllable-generation", mixinStandardHelpOptions = true,
        description = "Class-conditional sampling, inpainting and latent interpolation on eight-gaussians.")
public final class ControllableGenerationExample implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--label", defaultValue = "2", description = "the component to sample, 0-7 (default ${DEFAULT-VALUE})")
    int label;

    @Option(names = "--weight", defaultValue = "1", description = "guidance weight (default ${DEFAULT-VALUE})")
    double weight;

    @Option(names = "--n", defaultValue = "1000", description = "samples per panel (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--steps", defaultValue = "500", description = "sampler steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "target/controllable-generation.png", description = "PNG (default ${DEFAULT-VALUE})")
    Path out;

    /** What to run. */
    public record Options(int label, double weight, int n, int steps, long seed, Path out) {
        /** Validates. */
        public Options {
            Checks.positive("--n", n);
            Checks.positive("--steps", steps);
            Checks.notNull("--out", out);
        }
    }

    /** What it produced. */
    public record Result(Path image, INDArray guided, INDArray inpainted, INDArray path) {
    }

    /** Samples, inpaints, interpolates and plots. */
    public static Result run(Options o) {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ExactMixtureScore score = new ExactMixtureScore(mix, sde);
        INDArray guided = PredictorCorrectorSampler.builder().steps(o.steps())
                .conditioning(ClassifierGuidance.of(new ExactMixtureClassifier(mix, sde), o.label(), o.weight()))
                .build().sample(sde, score, o.n(), RandomSource.of(o.seed())).samples();
        INDArray inpainted = PredictorCorrectorSampler.builder().steps(o.steps())
                .corrector(new LangevinCorrector(0.3, 3))
                .conditioning(Inpainting.of(Nd4j.createFromArray(1f, 0f), Nd4j.createFromArray(0f, 0f))).build()
                .sample(sde, score, o.n(), RandomSource.of(o.seed() + 1)).samples();
        ProbabilityFlowSampler flow = ProbabilityFlowSampler.builder().dataType(DataType.DOUBLE).build();
        INDArray ends = Nd4j.createFromArray(new double[][] {mix.mean(0), mix.mean(3)});
        INDArray codes = flow.encode(sde, score, ends).samples();
        int k = 40;
        INDArray a = codes.getRow(0, true).repeat(0, k);
        INDArray b = codes.getRow(1, true).repeat(0, k);
        INDArray path = Nd4j.create(DataType.DOUBLE, k, 2);
        for (int i = 0; i < k; i++) {
            path.putRow(i, Interpolation.slerp(a.getRow(i, true), b.getRow(i, true), i / (k - 1.0)).getRow(0));
        }
        INDArray decoded = flow.decode(sde, score, path).samples();
        List<XYChart> charts = new ArrayList<>();
        charts.add(Plots.scatter("classifier guidance, class " + o.label() + " (w = " + o.weight() + ")", guided, 2.8,
                new Color(30, 90, 200)));
        charts.add(Plots.scatter("inpainting: x observed at 0", inpainted, 2.8, new Color(200, 60, 30)));
        charts.add(Plots.scatter("decoded slerp between two codes", decoded, 2.8, new Color(20, 140, 60)));
        Path image = Plots.writeGrid(charts, 3, o.out());
        return new Result(image, guided, inpainted, decoded);
    }

    @Override
    public Integer call() {
        Result r = run(new Options(label, weight, n, steps, seed, out));
        spec.commandLine().getOut().println("wrote " + r.image());
        return 0;
    }

    /** Runs the example from the command line. */
    public static void main(String[] args) {
        System.exit(Cli.execute(new ControllableGenerationExample(), args));
    }
}
