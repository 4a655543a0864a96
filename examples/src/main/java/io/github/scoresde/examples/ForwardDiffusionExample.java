package io.github.scoresde.examples;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.sde.Sde;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Forward diffusion: draws the {@code eight-gaussians} data and perturbs it with the chosen SDE's
 * exact kernel x(t) = m(t) x(0) + s(t) z at a few times t, one scatter panel per time, so the
 * picture shows the data dissolving into the prior.
 *
 * <p>Runtime on 2 CPU cores: a few seconds (mostly JVM and ND4J start-up). Writes one PNG,
 * {@code target/forward-diffusion.png} by default.
 *
 * <pre>java -jar tools/target/scoresde.jar forward-diffusion --sde vp --out target/forward-diffusion.png</pre>
 */
@Command(name = "forward-diffusion", mixinStandardHelpOptions = true,
        description = "Plot eight-gaussians and its forward-diffused marginals at a few times t as one PNG.")
public final class ForwardDiffusionExample implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final Logger LOG = LoggerFactory.getLogger(ForwardDiffusionExample.class);

    @Option(names = "--sde", defaultValue = "vp", description = "SDE: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})",
            completionCandidates = SdeChoice.Names.class, converter = SdeChoice.Converter.class)
    SdeChoice sde;

    @Option(names = "--n", defaultValue = "2000", description = "points per panel (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--times", split = ",", defaultValue = "0,0.05,0.15,0.3,0.6,1",
            description = "comma-separated times in [0, 1] (default ${DEFAULT-VALUE})")
    double[] times;

    @Option(names = "--out", defaultValue = "target/forward-diffusion.png", description = "PNG to write (default ${DEFAULT-VALUE})")
    Path out;

    /** What to run. */
    public record Options(SdeChoice sde, int n, long seed, double[] times, Path out) {
        /** Validates the options. */
        public Options {
            io.github.scoresde.core.Checks.positive("--n", n);
            if (times.length == 0) {
                throw new IllegalArgumentException("--times must list at least one time");
            }
        }
    }

    /** What was written. */
    public record Result(Path image, int panels) {
    }

    /** Draws the data, perturbs it at each time and writes the panels. */
    public static Result run(Options o) {
        Sde sde = o.sde().create(2);
        GaussianMixture data = GaussianMixture.eightGaussians();
        LOG.info("forward diffusion of eight-gaussians under {} at t = {}", sde, java.util.Arrays.toString(o.times()));
        RandomSource rng = RandomSource.of(o.seed());
        INDArray x0 = data.sample(o.n(), rng.stream(0));
        List<XYChart> charts = new ArrayList<>();
        for (int i = 0; i < o.times().length; i++) {
            double t = sde.checkTime(o.times()[i]);
            INDArray tt = Nd4j.valueArrayOf(new long[] {o.n()}, t, DataType.FLOAT);
            INDArray z = rng.stream(1 + i).gaussian(DataType.FLOAT, 0, o.n(), 2);
            INDArray xt = sde.marginalMean(x0, tt).addi(Broadcast.mul(z, sde.marginalStd(tt)));
            // the data's radius is 2: show about m(t) 2 + 3 s(t) around the origin
            double range = Math.max(3, 1.3 * (2 * sde.meanCoefficient(t) + 3 * sde.marginalStd(t)));
            charts.add(Plots.scatter(String.format("%s, t = %.2f (m = %.3f, s = %.3f)", o.sde().label(), t,
                    sde.meanCoefficient(t), sde.marginalStd(t)), xt, range, new Color(30, 90, 200)));
        }
        Path written = Plots.writeGrid(charts, 3, o.out());
        LOG.info("wrote {}", written);
        return new Result(written, charts.size());
    }

    @Override
    public Integer call() {
        Result r = run(new Options(sde, n, seed, times, out));
        spec.commandLine().getOut().println("wrote " + r.image());
        return 0;
    }

    /** Runs the example from the command line. */
    public static void main(String[] args) {
        System.exit(Cli.execute(new ForwardDiffusionExample(), args));
    }
}
