package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.examples.Progress;
import io.github.scoresde.examples.SdeChoice;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.ScoreNetwork;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import java.nio.file.Files;
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
 * {@code train}: trains a score network by denoising score matching and writes a model file (EMA
 * weights, SDE, scaler): the MLP on vector data (toy sets as generated, a CSV file standardised
 * first), a U-Net on images (pixels in [0, 1] or [-1, 1], dequantised; a PNG grid of samples
 * written while training).
 * Checkpoints are written every {@code --checkpoint-every} steps and at the end; the model file keeps
 * the final training state, so {@code --resume} continues a model file as it continues a checkpoint.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a score model and save it.")
public final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Option(names = "--data", required = true, description = "checkerboard, eight-gaussians, gmm-64, moons, "
            + "swiss-roll, a .csv file, or images: idx:DIR (an MNIST-style folder such as "
            + "/usr/share/datasets/fashion-mnist), idx:FILE, images:DIR (PNG/JPEG files or class sub-folders)")
    String data;

    @Option(names = "--labels", description = "idx:FILE, the labels of an idx:FILE of images")
    String labels;

    @Option(names = "--conditional", description = "images: train a class-conditional U-Net on the images' labels, "
            + "with label dropout, for classifier-free guidance (sample --class K --guidance W)")
    boolean conditional;

    @Option(names = "--label-dropout", defaultValue = "0.1", description = "--conditional: the probability that a "
            + "label is dropped, so that the network also learns the unconditional score (default ${DEFAULT-VALUE})")
    double labelDropout;

    @Option(names = "--model", description = "the network: mlp (vector data, the default there), unet (images, the "
            + "default there: the tutorial U-Net's layers sized for the images), unet-tutorial (exactly the tutorial "
            + "U-Net of docs/benchmarks.md, 1x28x28)")
    String model;

    @Option(names = "--channels", split = ",", description = "unet: feature channels per level, e.g. 32,64,128,256 "
            + "(the default; depth = their number)")
    int[] channels;

    @Option(names = "--embedding", description = "unet: width of the time embedding (default 256)")
    Integer embedding;

    @Option(names = "--pixel-range", defaultValue = "unit", description = "images in the model's space: unit "
            + "([0, 1], as docs/benchmarks.md) or symmetric ([-1, 1]) (default ${DEFAULT-VALUE})")
    String pixelRange;

    @Option(names = "--dequantize", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "uniform dequantisation of image pixels, (p + u) / 256 (default on; --no-dequantize: p / 255)")
    boolean dequantize;

    @Option(names = "--flip", description = "flip training images left-right at random")
    boolean flip;

    @Option(names = "--grid", description = "images: a PNG grid of samples written while training "
            + "(default: <out>.samples.png)")
    Path grid;

    @Option(names = "--grid-every", description = "images: steps between sample grids, 0 for none "
            + "(default: a fifth of --steps)")
    Integer gridEvery;

    @Option(names = "--sde", defaultValue = "vp", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})",
            completionCandidates = SdeChoice.Names.class, converter = SdeChoice.Converter.class)
    SdeChoice sde;

    @Mixin
    VeOptions ve;

    @Option(names = "--steps", defaultValue = "5000", description = "optimisation steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", description = "batch size (default 512 for vectors, 64 for images)")
    Integer batch;

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

    @Option(names = "--warmup", description = "learning-rate warm-up steps (default 0 for the MLP, 100 for a U-Net)")
    Integer warmup;

    @picocli.CommandLine.Mixin
    DistributedOptions distributed;

    private int dataDimension;
    /** How many training images the default VE sigma_max is measured on. */
    private static final int SIGMA_MAX_IMAGES = 1000;

    @Override
    public Integer call() {
        Path cp = checkpoint != null ? checkpoint : Path.of(out.toString() + ".checkpoint.zip");
        boolean csv = isCsv(data);
        boolean images = ImageData.isImages(data);
        Path gridFile = images ? (grid != null ? grid : Path.of(out.toString() + ".samples.png")) : null;
        Outputs.check("--out", out, new String[] {"zip"}, "--resume", resume, "--checkpoint", cp, "--data",
                csv ? Path.of(data) : null);
        if (gridFile != null) {
            Outputs.check("--grid", gridFile, new String[] {"png"}, "--out", out, "--resume", resume);
        } else if (grid != null || gridEvery != null) {
            throw new IllegalArgumentException("--grid and --grid-every are for image data");
        }
        Checks.positive("--steps", steps);
        if (distributed.given()) {
            distributed.check(images, resume != null, conditional);
        }
        int batchSize = batch != null ? batch : images ? 64 : 512;
        Checks.positive("--batch", batchSize);
        // the loss of every step is kept (8 bytes each)
        Sizes.check("--steps " + steps, steps, 8, 1);
        DataSource source;
        DataScaler scaler;
        ScoreNetwork net;
        if (images) {
            ImageSource img = ImageSource.of(ImageData.read(data, labels, IdxFiles.Split.TRAIN))
                    .dequantized(dequantize).flipped(flip);
            source = img;
            dataDimension = source.dimension();
            scaler = switch (pixelRange.toLowerCase(java.util.Locale.ROOT)) {
                case "unit" -> DataScaler.identity(dataDimension);
                case "symmetric" -> DataScaler.range(dataDimension, 0, 1);
                default -> throw new IllegalArgumentException("--pixel-range must be unit or symmetric; got \""
                        + pixelRange + "\"");
            };
            if (conditional) {
                if (!img.images().labelled()) {
                    throw new IllegalArgumentException("--conditional needs labelled images: idx:DIR, idx:FILE with "
                            + "--labels idx:FILE, or images:DIR with class sub-folders; " + data + " has no labels");
                }
                if (resume != null) {
                    throw new IllegalArgumentException("--conditional training cannot be resumed from the command "
                            + "line yet; train it in one run");
                }
                Checks.inRange("--label-dropout", labelDropout, 0, 1);
            }
            net = resume != null ? null : imageNetwork(img.images());
            if (sde == SdeChoice.VE && ve.sigmaMax == null && resume == null) {
                // technique 1 of Song and Ermon (2020): sigma_max = the largest distance between examples
                double scale = pixelRange.equalsIgnoreCase("symmetric") ? 2 : 1;
                ve.sigmaMax = Math.ceil(scale * img.maxPairwiseDistance(SIGMA_MAX_IMAGES));
                spec.commandLine().getOut().printf("VE sigma_max %.0f: the largest distance between %d images%n",
                        ve.sigmaMax, Math.min(SIGMA_MAX_IMAGES, img.images().size()));
            }
            // activations and their gradients: about a dozen maps of the first level's channels per pixel
            Sizes.check("--batch " + batchSize, (double) batchSize * dataDimension * firstChannels(net) * 12, 4, 1);
            spec.commandLine().getOut().printf("training on %s%n", img.images());
        } else {
            if (labels != null) {
                throw new IllegalArgumentException("--labels is for image data (idx:FILE)");
            }
            if (conditional) {
                throw new IllegalArgumentException("--conditional is for labelled image data");
            }
            source = dataSource(data);
            dataDimension = source.dimension();
            // the network's input rows [batch, d + 128] and its activations [batch, 256] per layer, with
            // their gradients: about a dozen arrays of batch x (d + 256) floats
            Sizes.check("--batch " + batchSize, (double) batchSize * (dataDimension + 256), 4, 12);
            scaler = csv ? DataScaler.fit(DataScaler.Kind.STANDARDIZE, ((CsvDataSource) source).all())
                    : DataScaler.identity(dataDimension);
            if (model != null && !model.equals("mlp")) {
                throw new IllegalArgumentException("--model " + model + " is for images; vector data trains an mlp");
            }
            net = resume != null ? null : MlpScoreNetwork.create(MlpConfig.builder(dataDimension).seed(seed).build(),
                    AdamSettings.builder().learningRate(learningRate).warmup(warmup == null ? 0 : warmup).build());
        }
        Sde s = ve.create(sde, dataDimension);
        List<TrainingListener> listeners = new ArrayList<>();
        TrainingListener bar = Progress.trainingBar(steps, 0);
        if (bar != null) {
            listeners.add(bar);
        }
        Trainer.Settings.Builder settings = Trainer.Settings.builder().steps(steps).seed(seed).batchSize(batchSize)
                .logEvery(bar == null ? Math.max(1, steps / 20) : 0).listeners(listeners);
        // the final state is always written, so that the model file can be trained further
        settings.checkpoints(Checks.nonNegative("--checkpoint-every", checkpointEvery), cp);
        if (gridFile != null) {
            int every = gridEvery != null ? Checks.nonNegative("--grid-every", gridEvery) : steps < 5 ? steps : steps / 5;
            if (every > 0) {
                settings.snapshots(every, (step, m) -> SampleGrids.write(m, step, seed, gridFile));
            }
        }
        if (distributed.given()) {
            long t0 = System.nanoTime();
            DistributedOptions.ImageRows rows = images ? new DistributedOptions.ImageRows(data, labels, dequantize, seed,
                    net.sampleShape(), scaler, ((ImageSource) source).images().size()) : null;
            // the same settings (checkpoints: the EMA model written from the driver, not a resumable
            // state); listeners and sample grids are single-machine training's
            io.github.scoresde.training.TrainedModel m = distributed.train(settings.build(), net, s, source, scaler,
                    rows);
            m.save(out);
            spec.commandLine().getOut().printf("trained %d steps%s in %.1f s, %s; wrote %s%n", steps,
                    distributed.workers != null ? " on each of " + distributed.workers + " workers" : " on Spark "
                    + distributed.spark, (System.nanoTime() - t0) / 1e9, m.sde().spec(), out);
            return 0;
        }
        Trainer trainer = new Trainer(settings.build());
        Trainer.Result r;
        if (resume != null) {
            checkResumedSettings(s);
            r = trainer.resume(resume, source);
        } else if (conditional) {
            r = trainer.trainConditional(net, s, ((ImageSource) source).labelled(), scaler, labelDropout);
        } else {
            r = trainer.train(net, s, source, scaler);
        }
        r.save(out);
        spec.commandLine().getOut().printf("trained %d steps (%.2f steps/s), final loss %.5f, %s; wrote %s%s%n",
                r.losses().length, r.stepsPerSecond(), r.losses().length > 0 ? r.losses()[r.losses().length - 1]
                        : Double.NaN, r.model().sde().spec(), out, gridFile != null && Files.exists(gridFile)
                        ? " and " + gridFile : "");
        return 0;
    }

    /** The U-Net that --model names for these images. */
    private ScoreNetwork imageNetwork(ImageSet images) {
        String name = model == null ? "unet" : model;
        UNetConfig config = switch (name) {
            case "unet" -> {
                UNetConfig.Builder b = UNetConfig.builder(images.channels(), images.height(), images.width()).seed(seed)
                        .classes(conditional ? images.classes() : 0);
                if (channels != null) {
                    b.channels(channels);
                }
                if (embedding != null) {
                    b.embedding(embedding);
                }
                yield b.build();
            }
            case "unet-tutorial" -> {
                if (channels != null || embedding != null) {
                    throw new IllegalArgumentException("--model unet-tutorial has fixed layers; --channels and "
                            + "--embedding shape a --model unet");
                }
                if (images.channels() != 1 || images.height() != 28 || images.width() != 28) {
                    throw new IllegalArgumentException("--model unet-tutorial takes 1x28x28 images; " + images
                            + " are " + images.channels() + "x" + images.height() + "x" + images.width()
                            + " (use --model unet)");
                }
                yield UNetConfig.tutorial().toBuilder().seed(seed).classes(conditional ? images.classes() : 0).build();
            }
            case "mlp" -> throw new IllegalArgumentException("--model mlp is for vector data; images train a unet "
                    + "or unet-tutorial");
            default -> throw new IllegalArgumentException("Unknown --model \"" + name
                    + "\"; expected mlp, unet or unet-tutorial");
        };
        return UNetScoreNetwork.create(config, AdamSettings.builder().learningRate(learningRate)
                .warmup(warmup == null ? 100 : warmup).build());
    }

    private static int firstChannels(ScoreNetwork net) {
        return net instanceof UNetScoreNetwork u ? u.config().channels()[0] : 32;
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
        AdamSettings optimizer = m.network() instanceof MlpScoreNetwork mlp ? mlp.optimizer()
                : m.network() instanceof UNetScoreNetwork u ? u.optimizer() : null;
        if (parsed.hasMatchedOption("--lr") && optimizer != null && optimizer.learningRate() != learningRate) {
            throw new IllegalArgumentException("--lr " + learningRate + " contradicts the learning rate of " + resume
                    + " (" + optimizer.learningRate() + "); leave --lr out when resuming");
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
