package io.github.scoresde.tools;

import static io.github.scoresde.tools.CliAssert.assertError;
import static io.github.scoresde.tools.CliAssert.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.nn.ImportedScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.training.TrainedModel;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code import} and {@code score} on the onnx module's committed fixture (the tutorial U-Net at
 * reduced widths exported by PyTorch, with PyTorch's outputs on fixed inputs), then the ordinary
 * commands on the imported model file.
 */
class ImportCliTest {
    private static final String FIXTURE = "../onnx/src/test/resources/onnx/tutorial-unet-small";

    private static Path importFixture(Path dir) {
        Path model = dir.resolve("imported.zip");
        String said = run("import", "--onnx", FIXTURE + ".onnx", "--sde", "ve", "--sigma-max", "25", "--output", "score",
                "--time", "t", "--shape", "1,28,28", "--out", model.toString());
        assertTrue(said.contains("imported") && said.contains("time input t"), said);
        return model;
    }

    @Test
    void importedScoresMatchPyTorchsAndTheModelSamples(@TempDir Path dir) throws IOException {
        Path model = importFixture(dir);
        TrainedModel m = TrainedModel.load(model);
        assertEquals(Parameterization.DIRECT, m.parameterization());
        assertArrayEquals(new long[] {1, 28, 28}, ((ImportedScoreNetwork) m.network()).sampleShape());
        // the fixture's second example was evaluated at t = 0.3
        INDArray t = Nd4j.createFromNpyFile(new File(FIXTURE + ".t.npy"));
        assertEquals(0.3, t.getDouble(1), 1e-7);
        Path scores = dir.resolve("s.npy");
        run("score", "--model", model.toString(), "--data", FIXTURE + ".x.npy", "--t", "0.3", "--out", scores.toString());
        INDArray got = ArrayFiles.read(scores).get(NDArrayIndex.point(1));
        INDArray want = Nd4j.createFromNpyFile(new File(FIXTURE + ".out.npy")).get(NDArrayIndex.point(1));
        double scale = want.amaxNumber().doubleValue();
        assertTrue(got.sub(want).amaxNumber().doubleValue() <= 1e-5 * scale, "max difference "
                + got.sub(want).amaxNumber() + " against " + scale);

        Path samples = dir.resolve("samples.npy");
        run("sample", "--model", model.toString(), "--sampler", "dpm++2m", "--steps", "3", "--n", "2", "--seed", "1",
                "--out", samples.toString());
        assertArrayEquals(new long[] {2, 1, 28, 28}, ArrayFiles.read(samples).shape());

        Path images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 2; i++) {
            BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int v = (9 * x + 5 * y + 60 * i) % 256;
                    im.getRaster().setSample(x, y, 0, v);
                }
            }
            ImageIO.write(im, "png", images.resolve("im" + i + ".png").toFile());
        }
        Path completed = dir.resolve("completed.npy");
        run("inpaint", "--model", model.toString(), "--data", "images:" + images, "--mask", "center", "--n", "2",
                "--sampler", "ddim", "--steps", "3", "--out", completed.toString());
        INDArray c = ArrayFiles.read(completed);
        assertArrayEquals(new long[] {2, 1, 28, 28}, c.shape());
        // a corner pixel is known: kept as it was (grey level 0 of image 0)
        assertEquals(0.0, c.getDouble(0, 0, 0, 0), 1e-6);
    }

    @Test
    void badImportsAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("m.zip");
        assertError(1, "--output must be score, epsilon, x0 or std-score", "import", "--onnx", FIXTURE + ".onnx",
                "--sde", "ve", "--output", "noise", "--shape", "1,28,28", "--out", out.toString());
        assertError(1, "a time input is t, t*FACTOR", "import", "--onnx", FIXTURE + ".onnx", "--sde", "ve", "--output",
                "score", "--time", "tau", "--shape", "1,28,28", "--out", out.toString());
        Path text = Files.writeString(dir.resolve("readme.onnx"), "not a network");
        assertError(1, "not an ONNX model", "import", "--onnx", text.toString(), "--sde", "ve", "--output", "score",
                "--shape", "1,28,28", "--out", out.toString());
        assertError(1, "does not run on x of shape [2, 1, 27, 27]", "import", "--onnx", FIXTURE + ".onnx", "--sde", "ve",
                "--output", "score", "--shape", "1,27,27", "--out", out.toString());
        Path model = importFixture(dir);
        assertError(1, "--t must lie in (0, 1.0]", "score", "--model", model.toString(), "--data", FIXTURE + ".x.npy",
                "--t", "0", "--out", dir.resolve("s.npy").toString());
    }
}
