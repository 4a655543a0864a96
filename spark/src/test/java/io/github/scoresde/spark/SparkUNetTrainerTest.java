package io.github.scoresde.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The U-Net's synchronous data-parallel steps do not depend on the partitioning: the same data in
 * one and in three partitions under {@code local[2]} train the same model (to float32 rounding of
 * the gradient sum's order: within 2% of the distance training moved the weights; measured 0.3%,
 * and 39% when a noise key depends on the partition), and the model file is an ordinary one.
 */
class SparkUNetTrainerTest {

    @Test
    void partitioningDoesNotChangeTheModel(@TempDir Path dir) {
        UNetConfig config = UNetConfig.builder(1, 8, 8).channels(4, 8).groups(2, 4).embedding(8).seed(3).build();
        Sde sde = new VeSde(0.01, 5);
        Trainer.Settings settings = Trainer.Settings.builder().steps(4).batchSize(6).seed(9).build();
        INDArray images = RandomSource.of(1).uniform(DataType.FLOAT, 0, 20, 1, 8, 8);
        List<INDArray> rows = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rows.add(images.slice(i).dup());
        }
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("scoresde-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "localhost");
        INDArray one;
        INDArray three;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            SparkUNetTrainer trainer = new SparkUNetTrainer(settings);
            TrainedModel a = trainer.train(sc, UNetScoreNetwork.create(config), sde, sc.parallelize(rows, 1),
                    DataScaler.identity(64));
            TrainedModel b = trainer.train(sc, UNetScoreNetwork.create(config), sde, sc.parallelize(rows, 3),
                    DataScaler.identity(64));
            one = a.network().params();
            three = b.network().params();
            Path file = dir.resolve("spark-unet.zip");
            b.save(file);
            assertEquals(three.length(), TrainedModel.load(file).network().params().length());
        }
        INDArray start = UNetScoreNetwork.create(config).params();
        double moved = one.sub(start).norm2Number().doubleValue();
        assertTrue(moved > 1e-4, "training moved the parameters by " + moved);
        // Adam's first steps move each weight by about the learning rate whatever its gradient's size,
        // so float32 rounding of the sums' order flips a few tiny gradients' signs: the runs differ by
        // a small fraction of how far training moved them (another batch or noise would move them apart
        // as far as training did)
        double diff = one.sub(three).norm2Number().doubleValue();
        assertTrue(diff < 0.02 * moved, "one partition against three: difference " + diff + " of a move of " + moved);
    }
}
