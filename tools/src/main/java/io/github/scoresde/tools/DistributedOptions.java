package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.ScoreNetwork;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.spark.ParallelTrainer;
import io.github.scoresde.spark.SparkTrainer;
import io.github.scoresde.spark.SparkUNetTrainer;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Option;

/**
 * {@code train}'s options for data-parallel training (docs/distributed.md): {@code --spark MASTER}
 * (the MLP through DL4J's Spark training master, the U-Net through synchronous steps on Spark's
 * primitives) or {@code --workers N} (the MLP on N threads through DL4J's ParallelWrapper).
 */
public final class DistributedOptions {
    /** The seed's stream the examples of generated data are drawn from for Spark (a stream of its own). */
    private static final long SPARK_DRAW = 3;

    @Option(names = "--spark", description = "train on Spark: a master URL such as local[2], spark://host:7077 or "
            + "yarn (docs/distributed.md)")
    String spark;

    @Option(names = "--workers", description = "train the MLP on N worker threads of this machine (DL4J's "
            + "ParallelWrapper)")
    Integer workers;

    @Option(names = "--averaging-frequency", defaultValue = "5", description = "the MLP under --spark or --workers: "
            + "steps each worker takes between two averagings (default ${DEFAULT-VALUE})")
    int averagingFrequency;

    @Option(names = "--spark-examples", defaultValue = "65536", description = "--spark with generated vector data: "
            + "the examples drawn to train on (default ${DEFAULT-VALUE}); images and CSV files train on all of theirs")
    int examples;

    /** Whether either option was given. */
    boolean given() {
        return spark != null || workers != null;
    }

    /**
     * Checks the combination before any work.
     *
     * @throws IllegalArgumentException naming the options that do not go together
     */
    void check(boolean images, boolean resume, boolean conditional) {
        if (spark != null && workers != null) {
            throw new IllegalArgumentException("--spark and --workers are two ways to train in parallel: give one");
        }
        if (resume) {
            throw new IllegalArgumentException("--resume continues single-machine training; distributed runs start "
                    + "from scratch");
        }
        if (conditional) {
            throw new IllegalArgumentException("--conditional is not trained in parallel yet; train it on one machine");
        }
        if (workers != null) {
            Checks.positive("--workers", workers);
            if (images) {
                throw new IllegalArgumentException("--workers trains the MLP (ParallelWrapper takes DL4J networks); "
                        + "train the U-Net on all cores with --spark local[N]");
            }
        }
        Checks.positive("--averaging-frequency", averagingFrequency);
        Checks.positive("--spark-examples", examples);
    }

    /** Trains as the options say. */
    TrainedModel train(Trainer.Settings settings, ScoreNetwork net, Sde sde, DataSource source, DataScaler scaler,
            ImageRows images) {
        if (workers != null) {
            return new ParallelTrainer(settings, workers, averagingFrequency).train((MlpScoreNetwork) net, sde, source,
                    scaler);
        }
        SparkConf conf = new SparkConf().setMaster(spark).setAppName("scoresde train").setIfMissing("spark.ui.enabled",
                "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            if (net instanceof UNetScoreNetwork u) {
                JavaRDD<INDArray> rows = sc.parallelize(range(images.count()), sc.defaultParallelism())
                        .map(images::row);
                return new SparkUNetTrainer(settings).train(sc, u, sde, rows, scaler);
            }
            INDArray x = scaler.transform(source instanceof io.github.scoresde.training.data.CsvDataSource csv
                    ? csv.all() : source.batch(examples, RandomSource.of(settings.seed()).stream(SPARK_DRAW)));
            // rows travel to the executors as float arrays (an INDArray's Java serialisation costs more)
            List<float[]> rows = new ArrayList<>();
            for (int i = 0; i < x.rows(); i++) {
                rows.add(x.getRow(i).toFloatVector());
            }
            JavaRDD<INDArray> rdd = sc.parallelize(rows, sc.defaultParallelism()).map(Nd4j::createFromArray);
            return new SparkTrainer(settings, averagingFrequency).train(sc, (MlpScoreNetwork) net, sde, rdd, scaler);
        }
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            r.add(i);
        }
        return r;
    }

    /**
     * The training images as RDD rows, read where the tasks run (each executor reads the files
     * named by the data option once), so that tasks carry indices, not pixels: image i is p / 255,
     * or dequantised with the seed's stream i, in the model's space, of the network's sample shape.
     */
    record ImageRows(String data, String labels, boolean dequantize, long seed, long[] shape, DataScaler scaler,
            int count) implements java.io.Serializable {
        private static final Map<String, ImageSource> SOURCES = new ConcurrentHashMap<>();

        INDArray row(int i) {
            ImageSource img = SOURCES.computeIfAbsent(data + "|" + labels + "|" + dequantize, k -> ImageSource.of(
                    ImageData.read(data, labels, IdxFiles.Split.TRAIN)).dequantized(dequantize));
            return scaler.transform(img.range(i, 1, RandomSource.of(seed).stream(i))).reshape(shape);
        }
    }
}
