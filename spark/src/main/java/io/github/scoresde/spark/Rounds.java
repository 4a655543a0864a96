package io.github.scoresde.spark;

import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.DenoisingScoreMatchingPreProcessor;
import io.github.scoresde.training.ExponentialMovingAverage;
import io.github.scoresde.training.ModelFiles;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop both data-parallel trainers share: round r hands batches k0 = r W F .. k0 + W F - 1 (W
 * workers, F steps between averagings) to the workers, which take F optimiser steps each; the
 * averaged parameters come back, and the EMA of them is kept with the decay raised to F (one
 * update per F steps). The result is a model with the EMA weights, as {@link Trainer} returns.
 */
final class Rounds {
    private static final Logger LOG = LoggerFactory.getLogger(Rounds.class);
    /** About how many steps each ParallelWrapper worker takes per fit call. */
    static final int STEPS_PER_CALL = 50;
    /** Per JVM: a network of each configuration, for its training-batch layout (features). */
    private static final Map<String, MlpScoreNetwork> LAYOUTS = new ConcurrentHashMap<>();

    private Rounds() {
    }

    /**
     * The arguments every trainer takes: none null, and an unconditional network.
     *
     * @throws IllegalArgumentException naming the first that is not
     */
    static void checkArguments(Object context, io.github.scoresde.nn.ScoreNetwork network, Sde sde, Object data,
            DataScaler scaler) {
        io.github.scoresde.core.Checks.notNull("context", context);
        io.github.scoresde.core.Checks.notNull("network", network);
        io.github.scoresde.core.Checks.notNull("sde", sde);
        io.github.scoresde.core.Checks.notNull("data", data);
        io.github.scoresde.core.Checks.notNull("scaler", scaler);
        if (network.classes() != 0) {
            throw new IllegalArgumentException("distributed training takes unconditional networks; this one has "
                    + network.classes() + " classes");
        }
    }

    /**
     * The RDD cached and cut from its lineage (its first action materialises it), so that the tasks
     * of the rounds or steps that read it carry no data.
     */
    static <K, V> org.apache.spark.api.java.JavaPairRDD<K, V> pinned(org.apache.spark.api.java.JavaPairRDD<K, V> rdd) {
        org.apache.spark.api.java.JavaPairRDD<K, V> p = rdd.persist(
                org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        p.rdd().localCheckpoint();
        return p;
    }

    /** One round: fit the batches of global indices [first, first + count), return the averaged parameters. */
    interface Fit {
        INDArray fit(long first, int count);
    }

    /**
     * @param averagingFrequency the steps each worker takes per round (the EMA is updated once per round)
     */
    static TrainedModel run(String label, Trainer.Settings settings, int averagingFrequency, int workers,
            MlpScoreNetwork network, Sde sde, DataScaler scaler, Fit fit) {
        int perRound = workers * averagingFrequency;
        int rounds = (int) Math.ceil(settings.steps() / (double) averagingFrequency);
        LOG.info("training {} with {} ({} workers, averaging every {} steps, batch {}) for {} rounds under {}",
                network, label, workers, averagingFrequency, settings.batchSize(), rounds, sde);
        ExponentialMovingAverage ema = new ExponentialMovingAverage(Math.pow(settings.emaDecay(), averagingFrequency),
                settings.emaWarmup(), network.params().dup(), 0);
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            ema.update(fit.fit((long) r * perRound, perRound), r);
            checkpoint(settings, (long) (r + 1) * averagingFrequency, r + 1 == rounds, () -> new TrainedModel(
                    network.withParameters(ema.average()), sde, Parameterization.DIVIDE_BY_MARGINAL_STD, scaler));
            if ((r + 1) % Math.max(1, rounds / 10) == 0 || r + 1 == rounds) {
                double s = (System.nanoTime() - t0) / 1e9;
                LOG.info("round {}/{} ({} steps per worker, {} batches/s)", r + 1, rounds,
                        (long) (r + 1) * averagingFrequency, String.format("%.1f", (r + 1) * perRound / s));
            }
        }
        return new TrainedModel(network.withParameters(ema.average()), sde, Parameterization.DIVIDE_BY_MARGINAL_STD,
                scaler);
    }

    /**
     * Writes the model with the EMA weights to the settings' checkpoint file from the driver, when
     * {@code step} is a multiple of their checkpoint interval (every step counts per worker), and at
     * the last step. A model file, not a resumable checkpoint: distributed runs start from scratch.
     */
    static void checkpoint(Trainer.Settings settings, long step, boolean last,
            java.util.function.Supplier<TrainedModel> model) {
        if (settings.checkpoint() == null) {
            return;
        }
        int every = settings.checkpointEvery();
        if (last || every > 0 && step % every == 0) {
            model.get().save(settings.checkpoint());
            LOG.info("step {}: wrote {}", step, settings.checkpoint());
        }
    }

    /** The preprocessor of a run: the seed's noise stream, keyed by the global batch index. */
    static DenoisingScoreMatchingPreProcessor noise(Trainer.Settings settings, Sde sde, MlpScoreNetwork network) {
        return new DenoisingScoreMatchingPreProcessor(sde, network.sampleShape(), settings.weighting(),
                settings.timeFloor(), Trainer.noiseSource(settings.seed()));
    }

    /** Batch k of x0 as the MLP trains on it: the noise of global index k, features and labels laid out. */
    static DataSet trainingBatch(String config, DenoisingScoreMatchingPreProcessor pre, INDArray x0, long k) {
        MlpScoreNetwork layout = LAYOUTS.computeIfAbsent(config,
                c -> MlpScoreNetwork.create(MlpConfig.parse(ModelFiles.parse(c))));
        return layout.trainingBatch(pre.perturb(x0, k));
    }
}
