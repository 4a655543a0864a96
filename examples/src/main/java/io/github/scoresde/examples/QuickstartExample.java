package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.data.ToyDatasets;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Quickstart: trains the toy MLP (BENCHMARKS.md) on {@code checkerboard} under the VP SDE by
 * denoising score matching, samples with the predictor-corrector sampler (reverse diffusion +
 * Langevin, snr 0.16) from the EMA weights, and writes one PNG with the data, the samples and the
 * loss curve. Optionally saves the model.
 *
 * <p>Runtime on 2 CPU cores: about 3-4 minutes with the defaults (10,000 training steps at about 55
 * steps per second, 2,000 samples, 1,000 sampling steps). Writes {@code target/quickstart.png} by default.
 *
 * <pre>java -jar tools/target/scoresde.jar quickstart</pre>
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Train the toy MLP on checkerboard, sample with PC, write data / samples / loss as one PNG.")
public final class QuickstartExample implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static final Logger LOG = LoggerFactory.getLogger(QuickstartExample.class);

    @Option(names = "--steps", defaultValue = "10000", description = "training steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "512", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--samples", defaultValue = "2000", description = "samples to draw (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--sampling-steps", defaultValue = "1000", description = "PC sampler steps (default ${DEFAULT-VALUE})")
    int samplingSteps;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "target/quickstart.png", description = "PNG to write (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--model", description = "also save the trained model to this file")
    Path model;

    /** What to run. */
    public record Options(int steps, int batch, int samples, int samplingSteps, long seed, Path out, Path model) {
        /** Validates. */
        public Options {
            Checks.positive("--steps", steps);
            Checks.positive("--batch", batch);
            Checks.positive("--samples", samples);
            Checks.positive("--sampling-steps", samplingSteps);
            Checks.notNull("--out", out);
        }
    }

    /** What it produced. */
    public record Result(Path image, double[] losses, INDArray samples, double stepsPerSecond, double samplingSeconds) {
    }

    /** Trains, samples and plots. */
    public static Result run(Options o) {
        Sde sde = new VpSde();
        DataSource data = ToyDatasets.checkerboard();
        List<TrainingListener> listeners = new ArrayList<>();
        TrainingListener bar = Progress.trainingBar(o.steps(), 0);
        if (bar != null) {
            listeners.add(bar);
        }
        Trainer.Settings settings = Trainer.Settings.builder().steps(o.steps()).seed(o.seed()).batchSize(o.batch())
                .logEvery(bar == null ? Math.max(1, o.steps() / 10) : 0).listeners(listeners).build();
        Trainer.Result trained = new Trainer(settings).train(MlpScoreNetwork.create(MlpConfig.builder(2).seed(o.seed()).build()),
                sde, data, DataScaler.identity(2));
        if (o.model() != null) {
            trained.model().save(o.model());
            LOG.info("saved the model to {}", o.model());
        }
        SamplingResult s = PredictorCorrectorSampler.builder().steps(o.samplingSteps())
                .listener(Progress.samplingListener("sample")).build()
                .sample(sde, trained.model().score(), o.samples(), RandomSource.of(o.seed()).stream(99));
        INDArray x = data.batch(o.samples(), RandomSource.of(o.seed()).stream(98));
        List<XYChart> charts = new ArrayList<>();
        charts.add(Plots.scatter("checkerboard data", x, 2.5, new Color(30, 90, 200)));
        charts.add(Plots.scatter(String.format("PC samples (%d NFE, %.0f s)", s.scoreEvaluations(),
                s.elapsed().toMillis() / 1000.0), s.samples(), 2.5, new Color(200, 60, 30)));
        charts.add(lossCurve(trained.losses()));
        Path image = Plots.writeGrid(charts, 3, o.out());
        LOG.info("wrote {}", image);
        return new Result(image, trained.losses(), s.samples(), trained.stepsPerSecond(),
                s.elapsed().toMillis() / 1000.0);
    }

    /** The training loss, smoothed by a moving average of 50 steps. */
    static XYChart lossCurve(double[] losses) {
        XYChart c = new XYChartBuilder().width(360).height(360).title("training loss")
                .xAxisTitle("step (thousands)").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setXAxisDecimalPattern("0.##");
        // room for labels such as "12.5" between ticks
        c.getStyler().setXAxisTickMarkSpacingHint(110);
        c.getStyler().setMarkerSize(0);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        int n = losses.length;
        int window = Math.max(1, Math.min(50, n / 10));
        double[] xs = new double[n];
        double[] ys = new double[n];
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += losses[i];
            if (i >= window) {
                acc -= losses[i - window];
            }
            xs[i] = (i + 1) / 1000.0;
            ys[i] = acc / Math.min(i + 1, window);
        }
        c.addSeries("loss", xs, ys);
        return c;
    }

    @Override
    public Integer call() {
        Result r = run(new Options(steps, batch, samples, samplingSteps, seed, out, model));
        spec.commandLine().getOut().printf("trained %d steps (%.1f steps/s), sampled %d points in %.1f s; wrote %s%n", r.losses().length,
                r.stepsPerSecond(), r.samples().size(0), r.samplingSeconds(), r.image());
        return 0;
    }

    /** Runs the example from the command line. */
    public static void main(String[] args) {
        System.exit(Cli.execute(new QuickstartExample(), args));
    }
}
