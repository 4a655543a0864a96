package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.ScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.data.DataSourceIterator;
import io.github.scoresde.training.data.LabelledSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.MultiDataSetWrapperIterator;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains any {@link ScoreNetwork} by weighted denoising score matching (docs/math.md section 7):
 * every step takes the next clean batch of a DL4J {@link DataSetIterator} (the user's own, or a
 * {@link DataSource} through {@link DataSourceIterator}), scales it, perturbs it with the
 * {@link DenoisingScoreMatchingPreProcessor} keyed by the step, and hands it to
 * {@link ScoreNetwork#fit}; the {@link ExponentialMovingAverage} of the weights is a DL4J listener
 * on the network, and a non-finite loss stops training ({@link TrainingDivergedException}).
 *
 * <p>Checkpoints hold the network with its optimiser state, the EMA, the step and the seed, written
 * atomically. Training resumed at step k equals uninterrupted training, bit for bit on the CPU
 * backend, when batch k of the iterator is the same after a restart (true of
 * {@link DataSourceIterator}, whose batch k is a function of (seed, k); the trainer resets a
 * resumed iterator and skips the k batches before it): the noise of step k is a function of
 * (seed, k) alone. A user's iterator sets its own batch size; {@link Settings#batchSize()} sizes
 * the batches of a {@link DataSource}.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final long DATA_STREAM = 1;
    private static final long NOISE_STREAM = 2;

    /**
     * The randomness of the denoising noise for a training seed: batch k's noise is drawn from it
     * by its global index ({@link DenoisingScoreMatchingPreProcessor#perturb(INDArray, long)}), so a
     * distributed trainer with the same seed draws the same noise for the same batch as this one.
     */
    public static RandomSource noiseSource(long seed) {
        return RandomSource.of(seed).stream(NOISE_STREAM);
    }

    /**
     * The randomness of the data batches for a training seed: batch k of a {@link DataSource} is
     * {@code source.batch(b, dataRandomness(seed).stream(k))}, as {@link DataSourceIterator} draws it.
     */
    public static RandomSource dataRandomness(long seed) {
        return RandomSource.of(seed).stream(DATA_STREAM);
    }

    private final Settings settings;

    /** @param settings what to train and how */
    public Trainer(Settings settings) {
        this.settings = Checks.notNull("settings", settings);
    }

    /**
     * What training produced.
     *
     * @param model the model with the EMA weights (what to sample with and save)
     * @param network the network with the raw (non-averaged) weights and its optimiser state
     * @param losses the loss of every step run in this call, index 0 = the first step run
     * @param firstStep the step the call started at (0, or the resumed step)
     * @param elapsed wall time
     * @param checkpoint the checkpoint written at the last step, or null when the settings name none
     */
    public record Result(TrainedModel model, ScoreNetwork network, double[] losses, long firstStep,
            Duration elapsed, Path checkpoint) {

        /**
         * Writes the model (EMA weights, SDE, scaler) to one file and, when the run wrote a final
         * checkpoint ({@link Settings.Builder#checkpoints}), its training state inside the same
         * file, so that {@link Trainer#resume(Path, DataSource)} continues from the model file as
         * from the checkpoint. Atomic.
         */
        public void save(Path file) {
            ModelFiles.save(model, checkpoint, file);
        }

        /** Optimisation steps per second. */
        public double stepsPerSecond() {
            return losses.length / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    /** Trains a fresh network from step 0 on batches of {@link Settings#batchSize()} drawn from a source. */
    public Result train(ScoreNetwork network, Sde sde, DataSource data, DataScaler scaler) {
        Checks.notNull("data", data);
        checkDimension(network, data.dimension());
        return train(network, sde, DataSourceIterator.of(data, settings.batchSize(), dataRandomness()), scaler);
    }

    /**
     * Trains a fresh network from step 0 on the batches of a DL4J iterator: its features are the
     * clean data {@code [batch, sampleShape...]} (labels are ignored); it is reset when it runs out.
     */
    public Result train(ScoreNetwork network, Sde sde, DataSetIterator data, DataScaler scaler) {
        Checks.notNull("network", network);
        ExponentialMovingAverage ema = new ExponentialMovingAverage(settings.emaDecay(), settings.emaWarmup(),
                network.params(), 0);
        return run(network, sde, data, false, scaler, ema, 0, 0);
    }

    /**
     * Trains a fresh network from step 0 on a DL4J {@link MultiDataSetIterator} with one feature
     * array, the clean data (through DL4J's {@link MultiDataSetWrapperIterator}); as
     * {@link #train(ScoreNetwork, Sde, DataSetIterator, DataScaler)}.
     */
    public Result train(ScoreNetwork network, Sde sde, MultiDataSetIterator data, DataScaler scaler) {
        return train(network, sde, new MultiDataSetWrapperIterator(Checks.notNull("data", data)), scaler);
    }

    /**
     * Trains a class-conditional network ({@code classes() > 1}) from step 0 on labelled batches of
     * {@link Settings#batchSize()} drawn from a source; see
     * {@link #trainConditional(ScoreNetwork, Sde, DataSetIterator, DataScaler, double)}.
     */
    public Result trainConditional(ScoreNetwork network, Sde sde, LabelledSource data, DataScaler scaler,
            double labelDropout) {
        Checks.notNull("network", network);
        Checks.notNull("data", data);
        checkConditional(network);
        DataSetIterator it = DataSourceIterator.labelled(data, network.classes(), (int) network.sampleSize(),
                settings.batchSize(), dataRandomness());
        return trainConditional(network, sde, it, scaler, labelDropout);
    }

    /**
     * Trains a class-conditional network from step 0 on a labelled DL4J iterator (labels one-hot,
     * {@code [batch, classes]}), dropping each label with probability {@code labelDropout} so that
     * the same network also learns the unconditional score, as classifier-free guidance needs (Ho
     * and Salimans 2021; 0.1 to 0.2 is usual).
     */
    public Result trainConditional(ScoreNetwork network, Sde sde, DataSetIterator data, DataScaler scaler,
            double labelDropout) {
        Checks.notNull("network", network);
        Checks.inRange("labelDropout", labelDropout, 0, 1);
        checkConditional(network);
        ExponentialMovingAverage ema = new ExponentialMovingAverage(settings.emaDecay(), settings.emaWarmup(),
                network.params(), 0);
        return run(network, sde, data, true, scaler, ema, 0, labelDropout);
    }

    /**
     * Resumes from a checkpoint written by a trainer with the same settings and continues to
     * {@link Settings#steps()} on batches drawn from a source.
     *
     * @throws IllegalArgumentException when the checkpoint cannot be read or was written with
     *     another seed
     */
    public Result resume(Path checkpoint, DataSource data) {
        Checks.notNull("data", data);
        return resume(checkpoint, DataSourceIterator.of(data, settings.batchSize(), dataRandomness()));
    }

    /**
     * Resumes from a checkpoint on a DL4J iterator, which is reset and advanced past the batches
     * the checkpoint's steps consumed.
     *
     * @throws IllegalArgumentException when the checkpoint cannot be read or was written with
     *     another seed
     */
    public Result resume(Path checkpoint, DataSetIterator data) {
        ModelFiles.Checkpoint c = ModelFiles.readCheckpoint(checkpoint);
        if (c.seed() != settings.seed()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was trained with seed " + c.seed()
                    + ", not " + settings.seed());
        }
        LOG.info("resuming from {} at step {}", checkpoint, c.step());
        return run(c.model().network(), c.model().sde(), data, false, c.model().scaler(), c.ema(), c.step(), 0);
    }

    private RandomSource dataRandomness() {
        return dataRandomness(settings.seed());
    }

    private static void checkDimension(ScoreNetwork network, long dimension) {
        Checks.notNull("network", network);
        if (dimension != network.sampleSize()) {
            throw new IllegalArgumentException("the data has " + dimension + " dimensions but the network "
                    + network.sampleSize());
        }
    }

    private static void checkConditional(ScoreNetwork network) {
        if (network.classes() < 2) {
            throw new IllegalArgumentException("trainConditional needs a network with classes >= 2; this one has "
                    + network.classes());
        }
    }

    private Result run(ScoreNetwork network, Sde sde, DataSetIterator data, boolean labelled, DataScaler scaler,
            ExponentialMovingAverage ema, long start, double labelDropout) {
        Checks.notNull("sde", sde);
        Checks.notNull("data", data);
        Checks.notNull("scaler", scaler);
        long total = settings.steps();
        if (start > total) {
            throw new IllegalArgumentException("the checkpoint is at step " + start + ", past the " + total
                    + " steps to train");
        }
        List<TrainingListener> listeners = new ArrayList<>(settings.listeners());
        listeners.add(ema);
        if (settings.logEvery() > 0) {
            listeners.add(new LossLoggingListener(settings.logEvery()));
        }
        DenoisingScoreMatchingPreProcessor pre = new DenoisingScoreMatchingPreProcessor(sde, network.sampleShape(),
                settings.weighting(), settings.timeFloor(), noiseSource(settings.seed()));
        boolean identity = scaler.kind() == DataScaler.Kind.IDENTITY;
        position(data, start);
        LOG.info("training {} on {} under {} for steps {}..{}, weighting {}", network, data, sde, start, total,
                settings.weighting());
        double[] losses = new double[(int) (total - start)];
        Path lastCheckpoint = null;
        network.setListeners(listeners);
        long t0 = System.nanoTime();
        try {
            for (long k = start; k < total; k++) {
                DataSet clean = nextBatch(data);
                INDArray x0 = asSamples(identity ? clean.getFeatures() : scaler.transform(clean.getFeatures()),
                        network.sampleShape());
                MultiDataSet batch = pre.perturb(x0, labelled ? DenoisingScoreMatchingPreProcessor.classIndices(
                        Checks.notNull("labels of a labelled batch", clean.getLabels())) : null, labelDropout, k)
                        .toMultiDataSet();
                double loss = network.fit(batch);
                if (!Double.isFinite(loss)) {
                    throw new TrainingDivergedException(k, loss, lastCheckpoint);
                }
                // the step's own arrays are dead once fit has run: freed now, not by the collector
                // (the clean batch is the iterator's and stays untouched)
                NdArrays.release(batch.getFeatures());
                NdArrays.release(batch.getLabels());
                if (!identity) {
                    NdArrays.release(x0);
                }
                losses[(int) (k - start)] = loss;
                if (settings.snapshotEvery() > 0 && ((k + 1) % settings.snapshotEvery() == 0 || k + 1 == total)) {
                    settings.snapshots.accept(k + 1, new TrainedModel(network.withParameters(ema.average()), sde,
                            Parameterization.DIVIDE_BY_MARGINAL_STD, scaler));
                }
                if (settings.checkpointEvery() > 0 && (k + 1) % settings.checkpointEvery() == 0) {
                    writeCheckpoint(settings.checkpoint(), network, sde, scaler, ema, k + 1);
                    lastCheckpoint = settings.checkpoint();
                }
            }
            // the last step's state too, so that the finished run can be continued
            boolean writtenAtEnd = settings.checkpointEvery() > 0 && total % settings.checkpointEvery() == 0
                    && total > start;
            if (settings.checkpoint() != null && !writtenAtEnd) {
                writeCheckpoint(settings.checkpoint(), network, sde, scaler, ema, total);
                lastCheckpoint = settings.checkpoint();
            }
        } finally {
            network.setListeners(List.of());
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
        TrainedModel model = new TrainedModel(network.withParameters(ema.average()), sde,
                Parameterization.DIVIDE_BY_MARGINAL_STD, scaler);
        Result r = new Result(model, network, losses, start, elapsed, lastCheckpoint);
        LOG.info("trained {} steps in {} s ({} steps/s), final loss {}", losses.length, elapsed.toMillis() / 1000.0,
                String.format("%.1f", r.stepsPerSecond()), losses.length > 0 ? losses[losses.length - 1] : Double.NaN);
        return r;
    }

    /**
     * A batch as the network's samples: flat {@code [n, d]} batches (a {@link DataSource}'s) are
     * reshaped to {@code [n, sampleShape...]}; others are passed through (and checked by the
     * preprocessor).
     */
    private static INDArray asSamples(INDArray x, long[] sampleShape) {
        if (x.rank() == 2 && sampleShape.length > 1) {
            long[] shape = io.github.scoresde.core.NdArrays.batchShape(x.size(0), sampleShape);
            long d = 1;
            for (long s : sampleShape) {
                d *= s;
            }
            if (x.size(1) == d) {
                return x.reshape('c', shape);
            }
        }
        return x;
    }

    /** Resets the iterator and skips the batches of steps [0, start). */
    private static void position(DataSetIterator data, long start) {
        if (start == 0 && data.hasNext()) {
            return;
        }
        if (!data.resetSupported()) {
            throw new IllegalArgumentException("the data iterator cannot be reset, so it cannot be "
                    + (start > 0 ? "positioned at step " + start : "restarted"));
        }
        data.reset();
        for (long k = 0; k < start; k++) {
            nextBatch(data);
        }
    }

    /** The iterator's next batch, restarting it at the end of an epoch. */
    private static DataSet nextBatch(DataSetIterator data) {
        if (!data.hasNext()) {
            data.reset();
            if (!data.hasNext()) {
                throw new IllegalArgumentException("the data iterator has no batches");
            }
        }
        return data.next();
    }

    private void writeCheckpoint(Path file, ScoreNetwork network, Sde sde, DataScaler scaler,
            ExponentialMovingAverage ema, long step) {
        ModelFiles.writeCheckpoint(new TrainedModel(network, sde, Parameterization.DIVIDE_BY_MARGINAL_STD, scaler), ema,
                step, settings.seed(), file);
        LOG.debug("checkpoint at step {} written to {}", step, file);
    }

    @Override
    public String toString() {
        return "Trainer[" + settings + "]";
    }

    /** What a trainer calls with snapshots of the model being trained ({@link Settings.Builder#snapshots}). */
    @FunctionalInterface
    public interface Snapshots {
        /**
         * @param step the number of steps taken
         * @param model the model with a copy of the EMA weights at that step (the caller's to keep)
         */
        void accept(long step, TrainedModel model);
    }

    /**
     * Training settings, validated when built; {@link #builder()} starts from the defaults of
     * BENCHMARKS.md (batch 512, t_min 1e-5, EMA 0.999 with warm-up, marginal-variance weighting).
     */
    public static final class Settings {
        /** BENCHMARKS.md: batch 512. */
        public static final int DEFAULT_BATCH = 512;
        /** The reference code's training floor t_min. */
        public static final double DEFAULT_TIME_FLOOR = 1e-5;
        /** BENCHMARKS.md: EMA 0.999. */
        public static final double DEFAULT_EMA_DECAY = 0.999;

        private final int steps;
        private final int batchSize;
        private final long seed;
        private final double timeFloor;
        private final LossWeighting weighting;
        private final double emaDecay;
        private final boolean emaWarmup;
        private final int logEvery;
        private final int checkpointEvery;
        private final Path checkpoint;
        private final List<TrainingListener> listeners;
        private final int snapshotEvery;
        private final Snapshots snapshots;

        private Settings(Builder b) {
            this.steps = Checks.positive("steps", b.steps);
            this.batchSize = Checks.positive("batchSize", b.batchSize);
            this.seed = b.seed;
            this.timeFloor = Checks.positive("timeFloor", b.timeFloor);
            this.weighting = Checks.notNull("weighting", b.weighting);
            this.emaDecay = Checks.inRange("emaDecay", b.emaDecay, 0, 1);
            this.emaWarmup = b.emaWarmup;
            this.logEvery = Checks.nonNegative("logEvery", b.logEvery);
            this.checkpointEvery = Checks.nonNegative("checkpointEvery", b.checkpointEvery);
            this.checkpoint = b.checkpoint;
            if (checkpointEvery > 0 && checkpoint == null) {
                throw new IllegalArgumentException("checkpoint must be given when checkpointEvery is "
                        + checkpointEvery);
            }
            this.listeners = List.copyOf(b.listeners);
            this.snapshotEvery = Checks.nonNegative("snapshotEvery", b.snapshotEvery);
            this.snapshots = b.snapshots;
            if (snapshotEvery > 0 && snapshots == null) {
                throw new IllegalArgumentException("a snapshot action must be given when snapshotEvery is "
                        + snapshotEvery);
            }
        }

        /** The steps between snapshots (0: none). */
        public int snapshotEvery() {
            return snapshotEvery;
        }

        /** A builder with the defaults; {@link Builder#steps} must be set. */
        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding these settings, to change some of them. */
        public Builder toBuilder() {
            Builder b = new Builder();
            b.steps = steps;
            b.batchSize = batchSize;
            b.seed = seed;
            b.timeFloor = timeFloor;
            b.weighting = weighting;
            b.emaDecay = emaDecay;
            b.emaWarmup = emaWarmup;
            b.logEvery = logEvery;
            b.checkpointEvery = checkpointEvery;
            b.checkpoint = checkpoint;
            b.listeners = new ArrayList<>(listeners);
            b.snapshotEvery = snapshotEvery;
            b.snapshots = snapshots;
            return b;
        }

        /** Total optimisation steps. */
        public int steps() {
            return steps;
        }

        /** Examples per step drawn from a {@link DataSource}. */
        public int batchSize() {
            return batchSize;
        }

        /** The training randomness (batches of a source, times, noise). */
        public long seed() {
            return seed;
        }

        /** t_min of t ~ U(t_min, T), the paper's eps. */
        public double timeFloor() {
            return timeFloor;
        }

        /** The loss weighting. */
        public LossWeighting weighting() {
            return weighting;
        }

        /** The EMA decay. */
        public double emaDecay() {
            return emaDecay;
        }

        /** Whether the EMA decay warms up ({@link ExponentialMovingAverage}). */
        public boolean emaWarmup() {
            return emaWarmup;
        }

        /** A log line every this many steps (0: never). */
        public int logEvery() {
            return logEvery;
        }

        /** A checkpoint every this many steps (0: only at the last step, when {@link #checkpoint()} is set). */
        public int checkpointEvery() {
            return checkpointEvery;
        }

        /** The checkpoint file, or null. */
        public Path checkpoint() {
            return checkpoint;
        }

        /** Extra DL4J listeners on the network while it trains. */
        public List<TrainingListener> listeners() {
            return listeners;
        }

        @Override
        public String toString() {
            return "Settings[steps=" + steps + ", batchSize=" + batchSize + ", seed=" + seed + ", timeFloor="
                    + timeFloor + ", weighting=" + weighting + ", emaDecay=" + emaDecay + ", emaWarmup=" + emaWarmup
                    + ", logEvery=" + logEvery + ", checkpointEvery=" + checkpointEvery + ", checkpoint="
                    + checkpoint + "]";
        }

        /** Builder of {@link Settings}; every setter is checked when {@link #build()} runs. */
        public static final class Builder {
            private int steps;
            private int batchSize = DEFAULT_BATCH;
            private long seed;
            private double timeFloor = DEFAULT_TIME_FLOOR;
            private LossWeighting weighting = LossWeighting.marginalVariance();
            private double emaDecay = DEFAULT_EMA_DECAY;
            private boolean emaWarmup = true;
            private int logEvery;
            private int checkpointEvery;
            private Path checkpoint;
            private List<TrainingListener> listeners = new ArrayList<>();
            private int snapshotEvery;
            private Snapshots snapshots;

            private Builder() {
            }

            /**
             * Calls {@code action} every k steps (and after the last) with the model of the EMA
             * weights so far, e.g. to write a grid of samples while training (default: never).
             */
            public Builder snapshots(int every, Snapshots action) {
                this.snapshotEvery = every;
                this.snapshots = action;
                return this;
            }

            /** Total optimisation steps, &gt;= 1 (required). */
            public Builder steps(int n) {
                this.steps = n;
                return this;
            }

            /** Examples per step drawn from a {@link DataSource} (default 512). */
            public Builder batchSize(int n) {
                this.batchSize = n;
                return this;
            }

            /** The training randomness (default 0; every value, 0 included, is a seed). */
            public Builder seed(long s) {
                this.seed = s;
                return this;
            }

            /** t_min &gt; 0 of the training times (default 1e-5). */
            public Builder timeFloor(double t) {
                this.timeFloor = t;
                return this;
            }

            /** The loss weighting (default {@link LossWeighting#marginalVariance()}). */
            public Builder weighting(LossWeighting w) {
                this.weighting = w;
                return this;
            }

            /** The EMA decay in (0, 1] and whether it warms up (default 0.999, with warm-up). */
            public Builder ema(double decay, boolean warmup) {
                this.emaDecay = decay;
                this.emaWarmup = warmup;
                return this;
            }

            /** A log line every k steps (default 0: never). */
            public Builder logEvery(int k) {
                this.logEvery = k;
                return this;
            }

            /**
             * A checkpoint every k steps to {@code file}, and one at the last step; k = 0 writes only
             * the last (default: none).
             */
            public Builder checkpoints(int every, Path file) {
                this.checkpointEvery = every;
                this.checkpoint = file;
                return this;
            }

            /** Extra DL4J listeners (progress bars, custom logging). */
            public Builder listeners(List<TrainingListener> l) {
                this.listeners = new ArrayList<>(Checks.notNull("listeners", l));
                return this;
            }

            /**
             * The settings.
             *
             * @throws IllegalArgumentException naming the first bad setting and its value
             */
            public Settings build() {
                return new Settings(this);
            }
        }
    }
}
