package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyData;
import io.github.scoresde.training.data.ToyDatasets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Likelihood map: the density a trained model assigns through the probability-flow ODE (exact
 * divergence by vector-Jacobian products), as a heat map on a grid next to the exact
 * {@code eight-gaussians} density, with the mean NLL of exact draws under both. Trains the toy
 * MLP (VP) first unless {@code --model} names one.
 *
 * <p>Runtime on 2 CPU cores: about 3-4 minutes with the defaults (5,000 training steps, a 40 x 40
 * grid, 500 draws). Writes {@code target/likelihood-map.png} by default.
 *
 * <pre>java -jar tools/target/scoresde.jar likelihood-map</pre>
 */
@Command(name = "likelihood-map", mixinStandardHelpOptions = true,
        description = "Heat maps of a trained model's density and the exact eight-gaussians density, with mean NLLs.")
public final class LikelihoodMapExample implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(LikelihoodMapExample.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "a model trained on eight-gaussians (default: train one)")
    Path model;

    @Option(names = "--steps", defaultValue = "5000", description = "training steps when no model is given (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--grid", defaultValue = "40", description = "grid points per axis (default ${DEFAULT-VALUE})")
    int grid;

    @Option(names = "--n", defaultValue = "500", description = "exact draws for the mean NLL (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "target/likelihood-map.png", description = "PNG to write (default ${DEFAULT-VALUE})")
    Path out;

    /** What to run. */
    public record Options(Path model, int steps, int grid, int n, long seed, Path out) {
        /** Validates. */
        public Options {
            Checks.positive("--steps", steps);
            if (grid < 2) {
                throw new IllegalArgumentException("--grid must be at least 2; got " + grid);
            }
            Checks.positive("--n", n);
            Checks.notNull("--out", out);
        }
    }

    /** The figures and the picture. */
    public record Result(Path image, double modelNll, double exactNll) {
    }

    /** Trains (or loads), evaluates the densities and writes the maps. */
    public static Result run(Options o) {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        TrainedModel m;
        if (o.model() != null) {
            m = TrainedModel.load(o.model());
        } else {
            Sde sde = new VpSde();
            m = new Trainer(Trainer.Settings.builder().steps(o.steps()).seed(o.seed())
                    .logEvery(Math.max(1, o.steps() / 10)).build())
                    .train(MlpScoreNetwork.create(MlpConfig.builder(2).seed(o.seed()).build()), sde,
                            ToyData.EIGHT_GAUSSIANS.source(), DataScaler.identity(2)).model();
        }
        double lim = 3;
        double[] axis = new double[o.grid()];
        for (int i = 0; i < o.grid(); i++) {
            axis[i] = -lim + 2 * lim * i / (o.grid() - 1);
        }
        double[][] pts = new double[o.grid() * o.grid()][];
        for (int i = 0; i < o.grid(); i++) {
            for (int j = 0; j < o.grid(); j++) {
                pts[i * o.grid() + j] = new double[] {axis[i], axis[j]};
            }
        }
        INDArray grid = Nd4j.createFromArray(pts);
        double jac = m.scaler().logJacobian();
        Likelihood lik = Likelihood.create();
        double[] modelLp = lik.logLikelihood(m.sde(), m.score(), m.toModel(grid), RandomSource.of(o.seed()))
                .logLikelihood();
        double[] exactLp = mix.logDensity(grid);
        double[][] modelMap = new double[o.grid()][o.grid()];
        double[][] exactMap = new double[o.grid()][o.grid()];
        for (int i = 0; i < o.grid(); i++) {
            for (int j = 0; j < o.grid(); j++) {
                modelMap[i][j] = Math.exp(modelLp[i * o.grid() + j] + jac);
                exactMap[i][j] = Math.exp(exactLp[i * o.grid() + j]);
            }
        }
        INDArray draws = mix.sample(o.n(), RandomSource.of(o.seed()).stream(5));
        double modelNll = lik.logLikelihood(m.sde(), m.score(), m.toModel(draws), RandomSource.of(o.seed())).meanNll()
                - jac;
        double exactNll = 0;
        for (double v : mix.logDensity(draws)) {
            exactNll -= v / o.n();
        }
        LOG.info("mean NLL of {} exact draws: model {}, exact {}", o.n(), modelNll, exactNll);
        Path image = Plots.writeGrid(List.of(
                Plots.heatMap(String.format("model density (NLL %.3f)", modelNll), axis, axis, modelMap),
                Plots.heatMap(String.format("exact density (NLL %.3f)", exactNll), axis, axis, exactMap)), 2, o.out());
        return new Result(image, modelNll, exactNll);
    }

    @Override
    public Integer call() {
        Result r = run(new Options(model, steps, grid, n, seed, out));
        spec.commandLine().getOut().printf("mean NLL: model %.4f, exact %.4f nats; wrote %s%n", r.modelNll(),
                r.exactNll(), r.image());
        return 0;
    }

    /** Runs the example from the command line. */
    public static void main(String[] args) {
        System.exit(Cli.execute(new LikelihoodMapExample(), args));
    }
}
