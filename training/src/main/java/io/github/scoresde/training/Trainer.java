package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link MlpScoreNetwork} by weighted denoising score matching (docs/math.md section 7) with
 * DL4J's {@code fit}: every step draws a clean batch from the {@link DataSource}, scales it, turns
 * it into a perturbed batch with the {@link DenoisingScoreMatchingPreProcessor}, fits it (Adam,
 * warm-up, clipping come from the network's configuration), folds the weights into the EMA and
 * checks the loss. Checkpoints hold the network with its updater state, the EMA, the step and the
 * seed, written atomically; training resumed from step k to n gives the same weights, bit for bit
 * on the CPU backend, as training straight to n, because batch k's randomness is a function of
 * (seed, k) alone.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final long DATA_STREAM = 1;
    private static final long NOISE_STREAM = 2;

    private final Settings settings;

    /** @param settings what to train and how */
    public Trainer(Settings settings) {
        this.settings = Checks.notNull("settings", settings);
    }

    /**
     * Training settings, validated at construction.
     *
     * @param steps total optimisation steps
     * @param batchSize examples per step
     * @param seed the training randomness (batches, times, noise)
     * @param timeFloor t_min of t ~ U(t_min, T) (the paper's eps: 1e-5 here, as in the reference)
     * @param weighting the loss weighting
     * @param emaDecay the EMA decay (0.999 in BENCHMARKS.md)
     * @param emaWarmup whether the EMA decay warms up
     * @param logEvery log a line every this many steps (0: never)
     * @param checkpointEvery write a checkpoint every this many steps (0: never)
     * @param checkpoint the checkpoint file (required when checkpointEvery &gt; 0)
     * @param listeners extra DL4J listeners (progress bars, custom logging)
     */
    public record Settings(int steps, int batchSize, long seed, double timeFloor, LossWeighting weighting,
            double emaDecay, boolean emaWarmup, int logEvery, int checkpointEvery, Path checkpoint,
            List<TrainingListener> listeners) {
        /** BENCHMARKS.md: batch 512. */
        public static final int DEFAULT_BATCH = 512;
        /** The reference code's training floor t_min. */
        public static final double DEFAULT_TIME_FLOOR = 1e-5;
        /** BENCHMARKS.md: EMA 0.999. */
        public static final double DEFAULT_EMA_DECAY = 0.999;

        /** Validates. */
        public Settings {
            Checks.positive("steps", steps);
            Checks.positive("batchSize", batchSize);
            Checks.positive("timeFloor", timeFloor);
            Checks.notNull("weighting", weighting);
            Checks.inRange("emaDecay", emaDecay, 0, 1);
            Checks.nonNegative("logEvery", logEvery);
            Checks.nonNegative("checkpointEvery", checkpointEvery);
            if (checkpointEvery > 0 && checkpoint == null) {
                throw new IllegalArgumentException("checkpoint must be given when checkpointEvery is "
                        + checkpointEvery);
            }
            listeners = List.copyOf(Checks.notNull("listeners", listeners));
        }

        /** Defaults of BENCHMARKS.md for the given number of steps and seed. */
        public static Settings defaults(int steps, long seed) {
            return new Settings(steps, DEFAULT_BATCH, seed, DEFAULT_TIME_FLOOR, LossWeighting.marginalVariance(),
                    DEFAULT_EMA_DECAY, true, 0, 0, null, List.of());
        }

        /** A copy with another batch size. */
        public Settings withBatchSize(int b) {
            return new Settings(steps, b, seed, timeFloor, weighting, emaDecay, emaWarmup, logEvery, checkpointEvery,
                    checkpoint, listeners);
        }

        /** A copy with another number of steps. */
        public Settings withSteps(int s) {
            return new Settings(s, batchSize, seed, timeFloor, weighting, emaDecay, emaWarmup, logEvery,
                    checkpointEvery, checkpoint, listeners);
        }

        /** A copy with another weighting. */
        public Settings withWeighting(LossWeighting w) {
            return new Settings(steps, batchSize, seed, timeFloor, w, emaDecay, emaWarmup, logEvery, checkpointEvery,
                    checkpoint, listeners);
        }

        /** A copy with checkpoints every k steps to the given file. */
        public Settings withCheckpoints(int every, Path file) {
            return new Settings(steps, batchSize, seed, timeFloor, weighting, emaDecay, emaWarmup, logEvery, every,
                    file, listeners);
        }

        /** A copy with a log line every k steps. */
        public Settings withLogEvery(int k) {
            return new Settings(steps, batchSize, seed, timeFloor, weighting, emaDecay, emaWarmup, k, checkpointEvery,
                    checkpoint, listeners);
        }

        /** A copy with extra DL4J listeners. */
        public Settings withListeners(List<TrainingListener> l) {
            return new Settings(steps, batchSize, seed, timeFloor, weighting, emaDecay, emaWarmup, logEvery,
                    checkpointEvery, checkpoint, l);
        }

        /** A copy with another EMA decay and warm-up. */
        public Settings withEma(double decay, boolean warmup) {
            return new Settings(steps, batchSize, seed, timeFloor, weighting, decay, warmup, logEvery, checkpointEvery,
                    checkpoint, listeners);
        }
    }

    /**
     * What training produced.
     *
     * @param model the model with the EMA weights (what to sample with and save)
     * @param network the network with the raw (non-averaged) weights and its updater state
     * @param losses the loss of every step run in this call, index 0 = the first step run
     * @param firstStep the step the call started at (0, or the resumed step)
     * @param elapsed wall time
     */
    public record Result(TrainedModel model, MlpScoreNetwork network, double[] losses, long firstStep, Duration elapsed) {
        /** Optimisation steps per second. */
        public double stepsPerSecond() {
            return losses.length / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    /** Trains a fresh network from step 0. */
    public Result train(MlpScoreNetwork network, Sde sde, DataSource data, DataScaler scaler) {
        Checks.notNull("network", network);
        Checks.notNull("sde", sde);
        Checks.notNull("data", data);
        Checks.notNull("scaler", scaler);
        if (data.dimension() != network.dimension()) {
            throw new IllegalArgumentException("the data has " + data.dimension() + " dimensions but the network "
                    + network.dimension());
        }
        ExponentialMovingAverage ema = new ExponentialMovingAverage(settings.emaDecay(), settings.emaWarmup(),
                network.network().params());
        return run(network, sde, unlabelled(data), scaler, ema, 0, 0);
    }

    /** Batch k of an unlabelled source, with the trainer's data randomness. */
    private Batches unlabelled(DataSource data) {
        RandomSource dataRng = RandomSource.of(settings.seed()).stream(DATA_STREAM);
        String name = data.name();
        return new Batches() {
            @Override
            public io.github.scoresde.training.data.LabelledSource.Labelled next(long k) {
                return new io.github.scoresde.training.data.LabelledSource.Labelled(
                        data.batch(settings.batchSize(), dataRng.stream(k)), null);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** Batch k of the training data. */
    private interface Batches {
        io.github.scoresde.training.data.LabelledSource.Labelled next(long k);
    }

    /**
     * Trains a class-conditional network ({@code MlpConfig.classes() > 0}) from step 0 on
     * labelled data, dropping each label with probability {@code labelDropout} so that the same
     * network also learns the unconditional score, as classifier-free guidance needs (Ho and
     * Salimans 2021; 0.1 to 0.2 is usual).
     */
    public Result trainConditional(MlpScoreNetwork network, Sde sde, io.github.scoresde.training.data.LabelledSource data,
            DataScaler scaler, double labelDropout) {
        Checks.notNull("network", network);
        Checks.notNull("data", data);
        Checks.inRange("labelDropout", labelDropout, 0, 1);
        if (network.config().classes() < 2) {
            throw new IllegalArgumentException("trainConditional needs a network with classes >= 2; this one has "
                    + network.config().classes());
        }
        ExponentialMovingAverage ema = new ExponentialMovingAverage(settings.emaDecay(), settings.emaWarmup(),
                network.network().params());
        RandomSource dataRng = RandomSource.of(settings.seed()).stream(DATA_STREAM);
        return run(network, sde, k -> data.batch(settings.batchSize(), dataRng.stream(k)), scaler, ema, 0,
                labelDropout);
    }

    /**
     * Resumes from a checkpoint written by a trainer with the same settings and continues to
     * {@code settings.steps()}.
     *
     * @throws IllegalArgumentException when the checkpoint cannot be read or was written with
     *     another seed
     */
    public Result resume(Path checkpoint, DataSource data) {
        ModelFiles.Contents c = ModelFiles.read(checkpoint, true);
        Map<String, String> cp = ModelFiles.parse(new String(c.entry(ModelFiles.CHECKPOINT), StandardCharsets.UTF_8));
        long step = Long.parseLong(cp.get("step").trim());
        long seed = Long.parseLong(cp.get("seed").trim());
        if (seed != settings.seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was trained with seed " + seed
                    + ", not " + settings.seed());
        }
        INDArray emaWeights = ModelFiles.fromBytes(c.entry(ModelFiles.EMA));
        ExponentialMovingAverage ema = new ExponentialMovingAverage(Double.parseDouble(cp.get("emaDecay").trim()),
                Boolean.parseBoolean(cp.get("emaWarmup").trim()), emaWeights);
        LOG.info("resuming from {} at step {}", checkpoint, step);
        return run(c.network, Sde.parse(c.require("sde")), unlabelled(data),
                io.github.scoresde.training.data.DataScaler.fromText(c.require("scaler")), ema, step, 0);
    }

    private Result run(MlpScoreNetwork network, Sde sde, Batches data, DataScaler scaler, ExponentialMovingAverage ema,
            long start, double labelDropout) {
        MultiLayerNetwork net = network.network();
        List<TrainingListener> listeners = new ArrayList<>(settings.listeners());
        if (settings.logEvery() > 0) {
            listeners.add(new LossLoggingListener(settings.logEvery()));
        }
        net.setListeners(listeners);
        RandomSource rng = RandomSource.of(settings.seed());
        DenoisingScoreMatchingPreProcessor pre = new DenoisingScoreMatchingPreProcessor(sde, network,
                settings.weighting(), settings.timeFloor(), rng.stream(NOISE_STREAM));
        boolean identity = scaler.kind() == DataScaler.Kind.IDENTITY;
        long total = settings.steps();
        if (start > total) {
            throw new IllegalArgumentException("the checkpoint is at step " + start + ", past the " + total
                    + " steps to train");
        }
        LOG.info("training {} on {} under {} for steps {}..{}, batch {}, weighting {}", network, data, sde,
                start, total, settings.batchSize(), settings.weighting());
        double[] losses = new double[(int) (total - start)];
        Path lastCheckpoint = null;
        long t0 = System.nanoTime();
        for (long k = start; k < total; k++) {
            io.github.scoresde.training.data.LabelledSource.Labelled batch = data.next(k);
            INDArray x0 = identity ? batch.x() : scaler.transform(batch.x());
            DataSet ds = pre.perturb(x0, batch.labels(), labelDropout, k);
            net.fit(ds);
            double loss = net.score();
            if (!Double.isFinite(loss)) {
                throw new TrainingDivergedException(k, loss, lastCheckpoint);
            }
            ema.update(net.params(), k);
            // the step's own arrays are dead once fit has run: freed now, not by the collector
            // (the batch's x is the data source's and stays untouched)
            NdArrays.release(ds.getFeatures(), ds.getLabels(), identity ? null : x0);
            losses[(int) (k - start)] = loss;
            if (settings.checkpointEvery() > 0 && (k + 1) % settings.checkpointEvery() == 0) {
                writeCheckpoint(settings.checkpoint(), network, sde, scaler, ema, k + 1);
                lastCheckpoint = settings.checkpoint();
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        net.setListeners(new ArrayList<TrainingListener>());
        TrainedModel model = new TrainedModel(network.withParameters(ema.average()), sde,
                Parameterization.DIVIDE_BY_MARGINAL_STD, scaler);
        Result r = new Result(model, network, losses, start, elapsed);
        LOG.info("trained {} steps in {} s ({} steps/s), final loss {}", losses.length, elapsed.toMillis() / 1000.0,
                String.format("%.1f", r.stepsPerSecond()), losses.length > 0 ? losses[losses.length - 1] : Double.NaN);
        return r;
    }

    private void writeCheckpoint(Path file, MlpScoreNetwork network, Sde sde, DataScaler scaler,
            ExponentialMovingAverage ema, long step) {
        Map<String, byte[]> extra = new LinkedHashMap<>();
        TrainedModel m = new TrainedModel(network, sde, Parameterization.DIVIDE_BY_MARGINAL_STD, scaler);
        extra.put(ModelFiles.PROPERTIES, ModelFiles.properties(m).getBytes(StandardCharsets.UTF_8));
        extra.put(ModelFiles.FOURIER, ModelFiles.fourier(network.embedding()).getBytes(StandardCharsets.UTF_8));
        extra.put(ModelFiles.EMA, ModelFiles.toBytes(ema.average()));
        String cp = "step=" + step + "\nseed=" + settings.seed() + "\nemaDecay=" + ema.decay() + "\nemaWarmup="
                + ema.warmup() + "\n";
        extra.put(ModelFiles.CHECKPOINT, cp.getBytes(StandardCharsets.UTF_8));
        ModelFiles.write(network.network(), true, extra, file);
        LOG.debug("checkpoint at step {} written to {}", step, file);
    }

    @Override
    public String toString() {
        return "Trainer[" + settings + "]";
    }
}
