package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.examples.Progress;
import io.github.scoresde.examples.SdeChoice;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.CsvDataSource;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.data.ToyData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deeplearning4j.optimize.api.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: trains the toy MLP by denoising score matching and writes a model file (EMA
 * weights, SDE, scaler). Toy data sets are used as generated; a CSV file is standardised first.
 * Checkpoints are written every {@code --checkpoint-every} steps and at the end; the model file keeps
 * the final training state, so {@code --resume} continues a model file as it continues a checkpoint.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a score model and save it.")
public final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Option(names = "--data", required = true,
            description = "checkerboard, eight-gaussians, gmm-64, moons, swiss-roll, or a .csv file")
    String data;

    @Option(names = "--sde", defaultValue = "vp", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})",
            completionCandidates = SdeChoice.Names.class, converter = SdeChoice.Converter.class)
    SdeChoice sde;

    @Mixin
    VeOptions ve;

    @Option(names = "--steps", defaultValue = "5000", description = "optimisation steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "512", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, description = "the model file to write (.zip)")
    Path out;

    @Option(names = "--resume", description = "a model file written by train, or a checkpoint, to continue from up to "
            + "--steps (with the same --seed and --batch it gives the model of one uninterrupted run)")
    Path resume;

    @Option(names = "--checkpoint", description = "checkpoint file (default: <out>.checkpoint.zip)")
    Path checkpoint;

    @Option(names = "--checkpoint-every", defaultValue = "1000",
            description = "steps between checkpoints, 0 for none (default ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    private int dataDimension;

    @Override
    public Integer call() {
        Path cp = checkpoint != null ? checkpoint : Path.of(out.toString() + ".checkpoint.zip");
        boolean csv = isCsv(data);
        Outputs.check("--out", out, new String[] {"zip"}, "--resume", resume, "--checkpoint", cp, "--data",
                csv ? Path.of(data) : null);
        Checks.positive("--steps", steps);
        Checks.positive("--batch", batch);
        // the loss of every step is kept (8 bytes each)
        Sizes.check("--steps " + steps, steps, 8, 1);
        DataSource source = dataSource(data);
        dataDimension = source.dimension();
        // the network's input rows [batch, d + 128] and its activations [batch, 256] per layer, with
        // their gradients: about a dozen arrays of batch x (d + 256) floats
        Sizes.check("--batch " + batch, (double) batch * (dataDimension + 256), 4, 12);
        DataScaler scaler = csv
                ? DataScaler.fit(DataScaler.Kind.STANDARDIZE, ((CsvDataSource) source).all())
                : DataScaler.identity(dataDimension);
        Sde s = ve.create(sde, dataDimension);
        List<TrainingListener> listeners = new ArrayList<>();
        TrainingListener bar = Progress.trainingBar(steps, 0);
        if (bar != null) {
            listeners.add(bar);
        }
        Trainer.Settings.Builder settings = Trainer.Settings.builder().steps(steps).seed(seed).batchSize(batch)
                .logEvery(bar == null ? Math.max(1, steps / 20) : 0).listeners(listeners);
        // the final state is always written, so that the model file can be trained further
        settings.checkpoints(Checks.nonNegative("--checkpoint-every", checkpointEvery), cp);
        Trainer trainer = new Trainer(settings.build());
        Trainer.Result r;
        if (resume != null) {
            checkResumedSettings(s);
            r = trainer.resume(resume, source);
        } else {
            MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.builder(dataDimension).seed(seed).build(),
                    AdamSettings.builder().learningRate(learningRate).build());
            r = trainer.train(net, s, source, scaler);
        }
        r.save(out);
        spec.commandLine().getOut().printf("trained %d steps (%.1f steps/s), final loss %.5f, %s; wrote %s%n",
                r.losses().length, r.stepsPerSecond(), r.losses().length > 0 ? r.losses()[r.losses().length - 1]
                        : Double.NaN, r.model().sde().spec(), out);
        return 0;
    }

    /**
     * A resumed run takes its SDE, data scaler and optimiser from the file it resumes: options that
     * say otherwise are refused rather than ignored, and the run says where its settings come from.
     */
    private void checkResumedSettings(Sde chosen) {
        io.github.scoresde.training.TrainedModel m = io.github.scoresde.training.TrainedModel.load(resume);
        picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        boolean sdeGiven = parsed.hasMatchedOption("--sde") || ve.given();
        if (sdeGiven && !chosen.equals(m.sde())) {
            throw new IllegalArgumentException("--sde " + chosen.spec() + " contradicts the SDE of " + resume + " ("
                    + m.sde().spec() + "); leave the SDE options out when resuming");
        }
        if (parsed.hasMatchedOption("--lr") && m.network() instanceof MlpScoreNetwork mlp
                && mlp.optimizer().learningRate() != learningRate) {
            throw new IllegalArgumentException("--lr " + learningRate + " contradicts the learning rate of " + resume
                    + " (" + mlp.optimizer().learningRate() + "); leave --lr out when resuming");
        }
        if ((int) m.network().sampleSize() != dataDimension) {
            throw new IllegalArgumentException("--data " + data + " has " + dataDimension + " dimensions but "
                    + resume + " was trained on " + m.network().sampleSize());
        }
        spec.commandLine().getOut().printf("resuming %s: its SDE (%s), data scaler and optimiser state continue%n",
                resume, m.sde().spec());
    }

    /** Whether {@code --data} names a CSV file rather than a toy data set. */
    private static boolean isCsv(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
    }

    /** A toy data set by name, or a CSV file. */
    static DataSource dataSource(String name) {
        if (isCsv(name)) {
            return CsvDataSource.read(Path.of(name));
        }
        try {
            return ToyData.fromId(name).source();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " or a .csv file");
        }
    }
}
