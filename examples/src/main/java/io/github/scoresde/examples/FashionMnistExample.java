package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.samplers.Corrector;
import io.github.scoresde.samplers.Predictor;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageGrid;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Images: samples clothing items from the tutorial U-Net trained on Fashion-MNIST and writes them
 * as a PNG grid. By default it loads the model the project ships ({@value #SHIPPED}, trained by
 * the project's CLI with these settings; models/README.md gives the commands, docs/benchmarks.md
 * its figures) and samples in well under a minute. With {@code --train-steps N} it first trains a
 * fresh U-Net for N steps on Fashion-MNIST from the Debian package dataset-fashion-mnist (about 2
 * steps per second on 2 CPU cores; recognisable clothing from about 3,000 steps), saving it with
 * {@code --save}.
 *
 * <pre>java -jar tools/target/scoresde.jar fashion</pre>
 */
@Command(name = "fashion", mixinStandardHelpOptions = true,
        description = "Sample clothing from the tutorial U-Net trained on Fashion-MNIST; write a PNG grid.")
public final class FashionMnistExample implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistExample.class);
    /** The model the project ships, relative to the checkout's root. */
    public static final String SHIPPED = "models/fashion-mnist-unet.zip";
    /** Where the Debian package dataset-fashion-mnist installs the set. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", defaultValue = SHIPPED, description = "the model to sample (default ${DEFAULT-VALUE})")
    Path model;

    @Option(names = "--train-steps", defaultValue = "0", description = "train a fresh U-Net on Fashion-MNIST for "
            + "this many steps first (default 0: sample --model)")
    int trainSteps;

    @Option(names = "--save", description = "with --train-steps: where to save the trained model")
    Path save;

    @Option(names = "--samples", defaultValue = "36", description = "images to draw (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--sampling-steps", defaultValue = "500", description = "Euler-Maruyama steps "
            + "(default ${DEFAULT-VALUE})")
    int samplingSteps;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", defaultValue = "target/fashion-samples.png", description = "PNG to write "
            + "(default ${DEFAULT-VALUE})")
    Path out;

    /**
     * What to run.
     *
     * @param model the model to sample when {@code trainSteps} is 0
     * @param trainSteps steps of training on Fashion-MNIST first (0: none)
     * @param save where to save a trained model (or null)
     * @param samples images to draw
     * @param samplingSteps Euler-Maruyama steps
     * @param seed the seed of training and sampling
     * @param out the PNG grid
     */
    public record Options(Path model, int trainSteps, Path save, int samples, int samplingSteps, long seed,
            Path out) {
        /** Validates. */
        public Options {
            Checks.nonNegative("--train-steps", trainSteps);
            Checks.positive("--samples", samples);
            Checks.positive("--sampling-steps", samplingSteps);
            Checks.notNull("--out", out);
            if (trainSteps == 0) {
                Checks.notNull("--model", model);
            }
        }
    }

    /** What it produced: the grid, the samples' pixels {@code [n, 1, 28, 28]} and the sampling time. */
    public record Result(Path image, org.nd4j.linalg.api.ndarray.INDArray pixels, double samplingSeconds) {
    }

    /** Trains (when asked) and samples. */
    public static Result run(Options o) {
        TrainedModel m = o.trainSteps() > 0 ? train(o) : load(o.model());
        SamplingResult s = PredictorCorrectorSampler.builder().predictor(Predictor.eulerMaruyama())
                .corrector(Corrector.none()).steps(o.samplingSteps()).listener(Progress.samplingListener("sample"))
                .build().sample(m.sde(), m.score(), o.samples(), RandomSource.of(o.seed()).stream(99));
        var pixels = m.toData(s.samples());
        ImageGrid.write(pixels, 3, o.out());
        LOG.info("wrote {}", o.out());
        return new Result(o.out(), pixels, s.elapsed().toMillis() / 1000.0);
    }

    private static TrainedModel load(Path model) {
        if (!Files.exists(model)) {
            throw new IllegalArgumentException("Cannot read model from " + model + ": no such file (run from the "
                    + "checkout's root for the shipped " + SHIPPED + ", or train one with --train-steps 3000)");
        }
        return TrainedModel.load(model);
    }

    /** The training mode: the tutorial U-Net, VE SDE, as the CLI's train --model unet-tutorial --sde ve. */
    private static TrainedModel train(Options o) {
        if (!Files.isDirectory(FASHION_MNIST)) {
            throw new IllegalArgumentException("Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist "
                    + "(it lands in " + FASHION_MNIST + ")");
        }
        ImageSet images = IdxFiles.readFolder(FASHION_MNIST, IdxFiles.Split.TRAIN);
        ImageSource data = ImageSource.of(images).dequantized(true);
        // technique 1 of Song and Ermon (2020): sigma_max = the largest distance between images
        double sigmaMax = Math.ceil(data.maxPairwiseDistance(1000));
        List<TrainingListener> listeners = new ArrayList<>();
        TrainingListener bar = Progress.trainingBar(o.trainSteps(), 0);
        if (bar != null) {
            listeners.add(bar);
        }
        Trainer.Settings settings = Trainer.Settings.builder().steps(o.trainSteps()).seed(o.seed()).batchSize(64)
                .logEvery(bar == null ? Math.max(1, o.trainSteps() / 20) : 0).listeners(listeners).build();
        UNetScoreNetwork net = UNetScoreNetwork.create(UNetConfig.tutorial().toBuilder().seed(o.seed()).build(),
                AdamSettings.builder().learningRate(1e-3).warmup(100).build());
        Trainer.Result r = new Trainer(settings).train(net, new VeSde(VeSde.DEFAULT_SIGMA_MIN, sigmaMax), data,
                DataScaler.identity(images.imageSize()));
        if (o.save() != null) {
            r.model().save(o.save());
            LOG.info("saved the model to {}", o.save());
        }
        return r.model();
    }

    @Override
    public Integer call() {
        Result r = run(new Options(model, trainSteps, save, samples, samplingSteps, seed, out));
        spec.commandLine().getOut().printf("sampled %d images in %.1f s; wrote %s%n", r.pixels().size(0),
                r.samplingSeconds(), r.image());
        return 0;
    }

    /** Runs the example from the command line. */
    public static void main(String[] args) {
        System.exit(Cli.execute(new FashionMnistExample(), args));
    }
}
