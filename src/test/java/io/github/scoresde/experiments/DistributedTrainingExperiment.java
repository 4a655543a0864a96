package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.examples.FashionMnistExample;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.spark.ParallelTrainer;
import io.github.scoresde.spark.SparkTrainer;
import io.github.scoresde.tools.Main;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Distributed training on this machine (docs/distributed.md):
 * <ul>
 * <li>throughput of the toy MLP (batch 512, 600 steps per worker) on one worker ({@link Trainer}),
 *     two ParallelWrapper workers and Spark {@code local[2]}, in examples per second, printed;</li>
 * <li>the tutorial U-Net trained {@code -Ddistributed.steps} steps (default 300, batch 64) on
 *     Fashion-MNIST by the CLI's {@code train --spark local[2]}, its steps per second beside one
 *     machine's, and the model file sampled by the ordinary {@code sample} command.</li>
 * </ul>
 * Skips the U-Net part without Fashion-MNIST. About 10 minutes on 2 cores:
 * {@code mvn -B test -Pslow -Dtest=DistributedTrainingExperiment -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class DistributedTrainingExperiment {

    @Test
    void mlpThroughput() {
        MlpConfig config = MlpConfig.toyMlp(2);
        Trainer.Settings settings = Trainer.Settings.builder().steps(600).batchSize(512).seed(1).build();
        long t0 = System.nanoTime();
        new Trainer(settings).train(MlpScoreNetwork.create(config), new VpSde(), ToyData.CHECKERBOARD.source(),
                DataScaler.identity(2));
        double one = 600 * 512 / ((System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        new ParallelTrainer(settings, 2, 5).train(MlpScoreNetwork.create(config), new VpSde(),
                ToyData.CHECKERBOARD.source(), DataScaler.identity(2));
        double wrapper = 2 * 600 * 512 / ((System.nanoTime() - t0) / 1e9);
        INDArray data = ToyData.CHECKERBOARD.source().batch(65_536, io.github.scoresde.core.RandomSource.of(5));
        List<float[]> rows = new ArrayList<>();
        for (int i = 0; i < data.rows(); i++) {
            rows.add(data.getRow(i).toFloatVector());
        }
        double spark;
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("bench")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "localhost"))) {
            t0 = System.nanoTime();
            new SparkTrainer(settings, 5).train(sc, MlpScoreNetwork.create(config), new VpSde(),
                    sc.parallelize(rows, 2).map(Nd4j::createFromArray), DataScaler.identity(2));
            spark = 2 * 600 * 512 / ((System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("| toy MLP, batch 512 | one worker | ParallelWrapper x2 | Spark local[2] |%n"
                + "| examples/s | %.0f | %.0f | %.0f |%n", one, wrapper, spark);
    }

    @Test
    void uNetOnSparkThenSampledByTheCli(@org.junit.jupiter.api.io.TempDir Path dir) {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnistExample.FASHION_MNIST),
                "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        int steps = Integer.getInteger("distributed.steps", 300);
        Path model = dir.resolve("spark-unet.zip");
        long t0 = System.nanoTime();
        String said = run("train", "--data", "idx:" + FashionMnistExample.FASHION_MNIST, "--model", "unet-tutorial",
                "--sde", "ve", "--steps", Integer.toString(steps), "--batch", "64", "--seed", "1", "--spark", "local[2]",
                "--out", model.toString());
        double sparkRate = steps / ((System.nanoTime() - t0) / 1e9);
        assertTrue(said.contains("on Spark local[2]"), said);
        TrainedModel m = TrainedModel.load(model);
        assertEquals(UNetScoreNetwork.numParams(UNetConfig.tutorial()), m.network().params().length());
        Path samples = dir.resolve("samples.npy");
        Path grid = Path.of("target", "spark-unet-samples.png");
        run("sample", "--model", model.toString(), "--sampler", "ddim", "--eta", "1", "--steps", "50", "--n", "16",
                "--seed", "2", "--out", samples.toString(), "--grid", grid.toString());
        INDArray x = Nd4j.createFromNpyFile(samples.toFile());
        assertArrayEquals(new long[] {16, 1, 28, 28}, x.shape());
        t0 = System.nanoTime();
        run("train", "--data", "idx:" + FashionMnistExample.FASHION_MNIST, "--model", "unet-tutorial", "--sde", "ve",
                "--steps", "30", "--batch", "64", "--seed", "1", "--checkpoint-every", "0", "--grid-every", "0",
                "--out", dir.resolve("one.zip").toString());
        double oneRate = 30 / ((System.nanoTime() - t0) / 1e9);
        System.out.printf("tutorial U-Net, batch 64: Spark local[2] %.2f steps/s (%d steps, whole command), one "
                + "machine %.2f steps/s (30 steps, whole command); samples in %s%n", sparkRate, steps, oneRate, grid);
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(new Main(), new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, rc, String.join(" ", args) + ": " + err);
        return out.toString();
    }
}
