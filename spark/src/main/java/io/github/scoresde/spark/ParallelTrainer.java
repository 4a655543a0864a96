package io.github.scoresde.spark;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.DenoisingScoreMatchingPreProcessor;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trains the library's MLP score network on all cores of one machine through DL4J's
 * {@link ParallelWrapper}: W worker copies take F optimiser steps each on their own batches, then
 * their parameters and Adam's state are averaged (docs/distributed.md). Batch k is the data
 * source's batch k of the seed ({@link Trainer#dataRandomness}) with the noise of global index k
 * ({@link Trainer#noiseSource}), as single-machine training draws it; with one worker and F = 1 a
 * run is ordinary training on the same batches.
 */
public final class ParallelTrainer {
    private final Trainer.Settings settings;
    private final int workers;
    private final int averagingFrequency;

    /**
     * @param settings as for {@link Trainer}: steps are per worker
     * @param workers the worker copies (threads), at least 1
     * @param averagingFrequency the steps each worker takes between two averagings
     */
    public ParallelTrainer(Trainer.Settings settings, int workers, int averagingFrequency) {
        this.settings = Checks.notNull("settings", settings);
        this.workers = (int) Checks.positive("workers", workers);
        this.averagingFrequency = (int) Checks.positive("averagingFrequency", averagingFrequency);
    }

    /**
     * Trains on a data source.
     *
     * @return the model with the EMA weights
     */
    public TrainedModel train(MlpScoreNetwork network, Sde sde, DataSource data, DataScaler scaler) {
        Rounds.checkArguments(this, network, sde, data, scaler);
        if (data.dimension() != network.sampleSize()) {
            throw new IllegalArgumentException("the data have " + data.dimension() + " dimensions but the network "
                    + network.sampleSize());
        }
        DenoisingScoreMatchingPreProcessor pre = Rounds.noise(settings, sde, network);
        RandomSource rng = Trainer.dataRandomness(settings.seed());
        int b = settings.batchSize();
        // each worker's products on its share of the cores: OpenBLAS threads of concurrent callers
        // otherwise contend for the same cores
        org.nd4j.linalg.api.blas.Blas blas = org.nd4j.linalg.factory.Nd4j.factory().blas();
        int blasThreads = blas.getMaxThreads();
        blas.setMaxThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / workers));
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(network.network()).workers(workers)
                .averagingFrequency(averagingFrequency).prefetchBuffer(0).reportScoreAfterAveraging(false)
                .averageUpdaters(true).build();
        // each fit call costs about a quarter of a second of thread hand-overs, so one call runs
        // several averagings: about 50 steps per worker, a multiple of the averaging frequency (the
        // EMA is then updated once per call)
        int perCall = (int) Math.ceil(Rounds.STEPS_PER_CALL / (double) averagingFrequency) * averagingFrequency;
        try {
            return Rounds.run("ParallelWrapper", settings, perCall, workers, network, sde, scaler,
                    (first, count) -> {
                        List<DataSet> round = new ArrayList<>(count);
                        for (long k = first; k < first + count; k++) {
                            round.add(network.trainingBatch(pre.perturb(data.batch(b, rng.stream(k)), k)));
                        }
                        wrapper.fit(new ListDataSetIterator<>(round, 1));
                        return network.params();
                    });
        } finally {
            wrapper.shutdown();
            blas.setMaxThreads(blasThreads);
        }
    }
}
