package io.github.scoresde.spark;

import io.github.scoresde.core.Checks;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.DenoisingScoreMatchingPreProcessor;
import io.github.scoresde.training.ExponentialMovingAverage;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Trains the library's MLP score network on a Spark cluster through DL4J's own Spark integration
 * ({@link SparkDl4jMultiLayer} with a {@link ParameterAveragingTrainingMaster}), with the same
 * loss, noise and model file as single-machine training (docs/distributed.md).
 *
 * <p>The data are an RDD of examples (rows {@code [d]}, float32, in the model's space). They are
 * cut into fixed batches by their position in the RDD (batch i holds examples i b .. (i + 1) b - 1,
 * whatever the partitioning), and training goes in rounds: in round r every worker takes
 * {@code averagingFrequency} batches, one optimiser step each, and the driver averages the
 * parameters and Adam's state. Batch k of the run (k counting all workers' batches in order) is
 * perturbed with the denoising noise of global index k from the seed's noise stream
 * ({@link Trainer#noiseSource}), in an RDD map, since DL4J's training masters run no
 * preprocessor: the noise of a batch is the same whatever the partitioning, the number of
 * workers or the cluster. The driver keeps the EMA of the averaged parameters (its decay raised to
 * the steps of a round) and returns a model with the EMA weights, as {@link Trainer} does.
 *
 * <p>What holds across partitionings: the batches and their noise. The parameters themselves depend
 * on how the averaging groups the batches (the number of workers and the averaging frequency), as
 * in any parameter-averaging scheme; with one worker and averaging frequency 1, a run is ordinary
 * sequential training on the same batches.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    private final Trainer.Settings settings;
    private final int averagingFrequency;

    /**
     * @param settings steps (optimiser steps per worker), batch size (per step), seed, weighting,
     *     time floor and EMA, as for {@link Trainer}
     * @param averagingFrequency the steps each worker takes between two averagings
     */
    public SparkTrainer(Trainer.Settings settings, int averagingFrequency) {
        this.settings = Checks.notNull("settings", settings);
        this.averagingFrequency = (int) Checks.positive("averagingFrequency", averagingFrequency);
    }

    /**
     * Trains.
     *
     * @param sc the Spark context (any master: {@code local[2]}, a cluster)
     * @param network the network to train (its configuration and initial weights are shipped)
     * @param sde the SDE
     * @param data the examples, each {@code [d]} in the model's space; at least one batch
     * @param scaler the map between data and model space, recorded in the model
     * @return the model with the EMA weights
     */
    public TrainedModel train(JavaSparkContext sc, MlpScoreNetwork network, Sde sde, JavaRDD<INDArray> data,
            DataScaler scaler) {
        Rounds.checkArguments(sc, network, sde, data, scaler);
        int b = settings.batchSize();
        int workers = sc.defaultParallelism();
        // cached, and cut from its lineage, so that each round's tasks carry no data
        JavaPairRDD<Long, INDArray> batches = Rounds.pinned(batches(data, b));
        long count = batches.count();
        if (count == 0) {
            throw new IllegalArgumentException("the data hold fewer than one batch of " + b + " examples");
        }
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(b)
                .averagingFrequency(averagingFrequency).workerPrefetchNumBatches(0).saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct).batchSizePerWorker(b).build();
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, network.network(), master);
        DenoisingScoreMatchingPreProcessor pre = Rounds.noise(settings, sde, network);
        String config = network.config().toProperties();
        // one averaging per fit call: each averaging is a Spark job anyway (fitting several per call
        // measured no faster), and the EMA follows every averaging
        return Rounds.run("Spark " + sc.master() + " (" + count + " batches)", settings, averagingFrequency, workers,
                network, sde, scaler, (first, perRound) -> {
                    JavaRDD<DataSet> round = batches.mapPartitions(part -> perturbed(part, first, count, perRound,
                            pre, config));
                    spark.fit(round);
                    return spark.getNetwork().params();
                });
    }

    /**
     * A partition's batches that belong to the round of global batches k0 .. k0 + perRound - 1
     * (batch i is global batch k when k mod count = i, so a small data set serves a round more than
     * once) as DL4J training batches with the noise of k, laid out as the MLP trains on them; the
     * partition's other batches give nothing.
     */
    private static Iterator<DataSet> perturbed(Iterator<Tuple2<Long, INDArray>> part, long k0, long count,
            int perRound, DenoisingScoreMatchingPreProcessor pre, String config) {
        List<Tuple2<Long, INDArray>> items = new ArrayList<>();
        part.forEachRemaining(items::add);
        if (items.isEmpty()) {
            return java.util.Collections.emptyIterator();
        }
        List<DataSet> out = new ArrayList<>();
        for (Tuple2<Long, INDArray> e : items) {
            for (int j = 0; j < perRound; j++) {
                if ((k0 + j) % count == e._1) {
                    out.add(Rounds.trainingBatch(config, pre, e._2, k0 + j));
                }
            }
        }
        return out.iterator();
    }

    /**
     * The examples cut into batches of b by their index in the RDD: (batch index, [b, d]). Rows
     * cross the shuffle as float arrays (an INDArray's Java serialisation costs far more).
     */
    static JavaPairRDD<Long, INDArray> batches(JavaRDD<INDArray> data, int b) {
        long n = data.count();
        long full = n / b;
        return data.zipWithIndex().filter(e -> e._2 < full * b)
                .mapToPair(e -> new Tuple2<>(e._2 / b, new Tuple2<>(e._2 % b, e._1.toFloatVector())))
                .groupByKey()
                .mapToPair(g -> {
                    List<Tuple2<Long, float[]>> rows = new ArrayList<>();
                    g._2.forEach(rows::add);
                    rows.sort((x, y) -> Long.compare(x._1, y._1));
                    int d = rows.get(0)._2.length;
                    float[] all = new float[rows.size() * d];
                    for (int i = 0; i < rows.size(); i++) {
                        System.arraycopy(rows.get(i)._2, 0, all, i * d, d);
                    }
                    return new Tuple2<>(g._1, Nd4j.create(all, new long[] {rows.size(), d}, 'c'));
                });
    }
}
