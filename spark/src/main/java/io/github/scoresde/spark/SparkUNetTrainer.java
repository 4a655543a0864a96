package io.github.scoresde.spark;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.nn.DenoisingBatch;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.DenoisingScoreMatchingPreProcessor;
import io.github.scoresde.training.ExponentialMovingAverage;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Trains the library's image U-Net (a SameDiff graph, which DL4J's Spark training masters do not
 * take) with synchronous data-parallel steps built on Spark's own primitives, the way Spark MLlib
 * trains its models (docs/distributed.md): every step broadcasts the parameters, each partition
 * computes the loss and gradient of its share of the step's batch, {@code treeReduce} sums them
 * weighted by the examples, and the driver takes one Adam step and updates the EMA.
 *
 * <p>Step k's batch is the examples of global index (k B + j) mod N, j &lt; B (N examples in the
 * RDD, in its order), and example j gets the denoising noise of key k B + j from the seed's noise
 * stream ({@link Trainer#noiseSource}): the batch, its noise and so the step's gradient do not depend
 * on how the data are partitioned (to float32 rounding of the sum's order), and the trained model
 * equals the one a single partition trains. The model file is the one single-machine training
 * writes (format 2); with checkpoints in the settings, the driver writes the EMA model to the
 * checkpoint file at their interval.
 */
public final class SparkUNetTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkUNetTrainer.class);
    /** Per executor JVM: a network of each configuration, whose parameters each step overwrites. */
    private static final Map<String, UNetScoreNetwork> NETWORKS = new ConcurrentHashMap<>();

    private final Trainer.Settings settings;

    /** @param settings steps, batch size (the global batch), seed, weighting, time floor and EMA, as for {@link Trainer} */
    public SparkUNetTrainer(Trainer.Settings settings) {
        this.settings = Checks.notNull("settings", settings);
    }

    /**
     * Trains.
     *
     * @param data the examples, each of the network's sample shape (or flat), in the model's space;
     *     at least one batch
     * @return the model with the EMA weights
     */
    public TrainedModel train(JavaSparkContext sc, UNetScoreNetwork network, Sde sde, JavaRDD<INDArray> data,
            DataScaler scaler) {
        Rounds.checkArguments(sc, network, sde, data, scaler);
        int b = settings.batchSize();
        // cached, and cut from its lineage, so that each step's tasks carry no data
        JavaPairRDD<INDArray, Long> indexed = Rounds.pinned(data.zipWithIndex());
        long n = indexed.count();
        if (n < b) {
            throw new IllegalArgumentException("the data hold " + n + " examples, fewer than one batch of " + b);
        }
        DenoisingScoreMatchingPreProcessor pre = new DenoisingScoreMatchingPreProcessor(sde, network.sampleShape(),
                settings.weighting(), settings.timeFloor(), Trainer.noiseSource(settings.seed()));
        String config = network.config().toProperties();
        ExponentialMovingAverage ema = new ExponentialMovingAverage(settings.emaDecay(), settings.emaWarmup(),
                network.params().dup(), 0);
        network.setListeners(List.of(ema));
        LOG.info("training {} on Spark {} ({} partitions, {} examples, batch {}) for {} steps under {}", network,
                sc.master(), indexed.getNumPartitions(), n, b, settings.steps(), sde);
        long t0 = System.nanoTime();
        for (int k = 0; k < settings.steps(); k++) {
            long first = (long) k * b;
            Broadcast<INDArray> params = sc.broadcast(network.params().dup());
            UNetScoreNetwork.BatchGradient sum = indexed
                    .mapPartitions(part -> share(part, first, b, n, pre, config, params.value()))
                    .treeReduce(SparkUNetTrainer::add);
            params.destroy();
            network.step(sum.gradient().divi(sum.examples()), sum.loss() / sum.examples());
            Rounds.checkpoint(settings, k + 1, k + 1 == settings.steps(), () -> new TrainedModel(
                    UNetScoreNetwork.withParameters(network.config(), network.optimizer(), ema.average()), sde,
                    Parameterization.DIVIDE_BY_MARGINAL_STD, scaler));
            if ((k + 1) % Math.max(1, settings.steps() / 10) == 0 || k + 1 == settings.steps()) {
                LOG.info("step {}/{}: loss {} ({} steps/s)", k + 1, settings.steps(),
                        String.format("%.5f", sum.loss() / sum.examples()),
                        String.format("%.2f", (k + 1) / ((System.nanoTime() - t0) / 1e9)));
            }
        }
        network.setListeners(List.of());
        UNetScoreNetwork averaged = UNetScoreNetwork.withParameters(network.config(), network.optimizer(),
                ema.average());
        return new TrainedModel(averaged, sde, Parameterization.DIVIDE_BY_MARGINAL_STD, scaler);
    }

    /**
     * A partition's share of the step whose batch starts at global example first: its loss and
     * gradient summed over its examples (each the mean times the count), or nothing when it holds
     * none of them.
     */
    private static Iterator<UNetScoreNetwork.BatchGradient> share(Iterator<Tuple2<INDArray, Long>> part, long first,
            int b, long n, DenoisingScoreMatchingPreProcessor pre, String config, INDArray params) {
        List<DenoisingBatch> mine = new ArrayList<>();
        while (part.hasNext()) {
            Tuple2<INDArray, Long> e = part.next();
            long j = Math.floorMod(e._2 - first, n);
            if (j < b) {
                mine.add(pre.perturb(e._1.reshape(NdArrays.batchShape(1, e._1.shape())), first + j));
            }
        }
        if (mine.isEmpty()) {
            return Collections.emptyIterator();
        }
        UNetScoreNetwork net = NETWORKS.computeIfAbsent(config, c -> UNetScoreNetwork.create(
                UNetConfig.parse(io.github.scoresde.training.ModelFiles.parse(c))));
        synchronized (net) {
            net.params().assign(params);
            UNetScoreNetwork.BatchGradient g = net.gradient(stack(mine, net.sampleShape()).toMultiDataSet());
            return Collections.singletonList(new UNetScoreNetwork.BatchGradient(g.loss() * g.examples(),
                    g.gradient().muli(g.examples()), g.examples())).iterator();
        }
    }

    private static UNetScoreNetwork.BatchGradient add(UNetScoreNetwork.BatchGradient a,
            UNetScoreNetwork.BatchGradient c) {
        return new UNetScoreNetwork.BatchGradient(a.loss() + c.loss(), a.gradient().addi(c.gradient()),
                a.examples() + c.examples());
    }

    /** One batch of single-example batches, in the network's sample shape. */
    private static DenoisingBatch stack(List<DenoisingBatch> rows, long[] sampleShape) {
        int m = rows.size();
        INDArray[] x = new INDArray[m];
        INDArray[] t = new INDArray[m];
        INDArray[] target = new INDArray[m];
        INDArray[] w = new INDArray[m];
        for (int i = 0; i < m; i++) {
            DenoisingBatch r = rows.get(i);
            x[i] = r.perturbed();
            t[i] = r.times().reshape(1);
            target[i] = r.target();
            w[i] = r.weight().reshape(1);
        }
        long[] shape = NdArrays.batchShape(m, sampleShape);
        return new DenoisingBatch(Nd4j.concat(0, x).reshape(shape), Nd4j.concat(0, t), Nd4j.concat(0, target)
                .reshape(shape), Nd4j.concat(0, w), null);
    }
}
