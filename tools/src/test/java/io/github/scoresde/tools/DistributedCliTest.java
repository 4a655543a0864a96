package io.github.scoresde.tools;

import static io.github.scoresde.tools.CliAssert.assertError;
import static io.github.scoresde.tools.CliAssert.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.training.TrainedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --workers} and {@code --spark}: a short run each, and the combinations refused before any work. */
class DistributedCliTest {

    @Test
    void workersAndSparkWriteOrdinaryModelFiles(@TempDir Path dir) {
        Path workers = dir.resolve("workers.zip");
        String said = run("train", "--data", "eight-gaussians", "--sde", "vp", "--steps", "10", "--batch", "64",
                "--seed", "1", "--workers", "2", "--averaging-frequency", "2", "--out", workers.toString());
        assertTrue(said.contains("on each of 2 workers"), said);
        assertTrue(TrainedModel.load(workers).network() instanceof MlpScoreNetwork);
        Path spark = dir.resolve("spark.zip");
        said = run("train", "--data", "eight-gaussians", "--sde", "vp", "--steps", "4", "--batch", "64", "--seed", "1",
                "--spark", "local[2]", "--spark-examples", "1024", "--averaging-frequency", "2", "--out",
                spark.toString());
        assertTrue(said.contains("on Spark local[2]"), said);
        TrainedModel m = TrainedModel.load(spark);
        assertEquals("vp;0.1;20.0", m.sde().spec());
        // the driver's checkpoint at the last step: the same EMA model
        TrainedModel cp = TrainedModel.load(dir.resolve("spark.zip.checkpoint.zip"));
        assertEquals(0.0, cp.network().params().sub(m.network().params()).amaxNumber().doubleValue(), 0.0);
        run("sample", "--model", spark.toString(), "--sampler", "dpm++2m", "--steps", "5", "--n", "8", "--out",
                dir.resolve("s.npy").toString());
    }

    @Test
    void combinationsThatCannotWorkAreRefused(@TempDir Path dir) throws IOException {
        String out = dir.resolve("m.zip").toString();
        assertError(1, "--spark and --workers are two ways", "train", "--data", "eight-gaussians", "--steps", "5",
                "--spark", "local[2]", "--workers", "2", "--out", out);
        assertError(1, "--workers must be positive", "train", "--data", "eight-gaussians", "--steps", "5", "--workers",
                "0", "--out", out);
        Path images = ImageCliTest.writeFolder(Files.createDirectories(dir.resolve("data")));
        assertError(1, "--workers trains the MLP", "train", "--data", "idx:" + images, "--steps", "5", "--workers",
                "2", "--out", out);
        Path first = dir.resolve("first.zip");
        run("train", "--data", "eight-gaussians", "--steps", "3", "--batch", "32", "--out", first.toString());
        assertError(1, "--resume continues single-machine training", "train", "--data", "eight-gaussians", "--steps",
                "5", "--resume", first.toString(), "--spark", "local[2]", "--out", out);
    }
}
