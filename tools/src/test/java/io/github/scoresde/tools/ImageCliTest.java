package io.github.scoresde.tools;

import static io.github.scoresde.tools.CliAssert.assertError;
import static io.github.scoresde.tools.CliAssert.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.training.TrainedModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The image commands end to end on tiny written IDX files and a tiny U-Net. */
class ImageCliTest {

    /** An MNIST-style folder with 12 gzipped 16x16 images (a bar whose column is the label) and labels. */
    static Path writeFolder(Path dir) throws IOException {
        int n = 12;
        byte[] pixels = new byte[n * 256];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int p = 0; p < 256; p++) {
                pixels[i * 256 + p] = (byte) (p % 16 / 4 == labels[i] ? 230 : 10);
            }
        }
        io.github.scoresde.training.images.IdxFiles.write(new io.github.scoresde.training.images.ImageSet("bars",
                pixels, n, 1, 16, 16, labels), dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte"));
        return dir;
    }

    @Test
    void trainSampleAndScoreImages(@TempDir Path dir) throws IOException {
        Path data = writeFolder(Files.createDirectories(dir.resolve("data")));
        Path model = dir.resolve("model.zip");
        String trained = run("train", "--data", "idx:" + data, "--model", "unet", "--channels", "8,16", "--embedding",
                "16", "--sde", "ve", "--steps", "4", "--batch", "6", "--seed", "3", "--grid-every", "4",
                "--pixel-range", "symmetric", "--out", model.toString());
        assertTrue(trained.contains("VE sigma_max"), trained);
        assertTrue(Files.exists(Path.of(model + ".samples.png")));
        TrainedModel m = TrainedModel.load(model);
        assertTrue(m.network() instanceof UNetScoreNetwork);
        assertArrayEquals(new long[] {1, 16, 16}, m.network().sampleShape());

        Path samples = dir.resolve("s.npy");
        Path grid = dir.resolve("g.png");
        run("sample", "--model", model.toString(), "--sampler", "em", "--steps", "5", "--n", "5", "--seed", "2",
                "--out", samples.toString(), "--grid", grid.toString());
        INDArray s = ArrayFiles.read(samples);
        assertArrayEquals(new long[] {5, 1, 16, 16}, s.shape());
        BufferedImage png = ImageIO.read(grid.toFile());
        // 3 columns and 2 rows of 16 x 16 pixels drawn 2x, 2-pixel borders
        assertEquals(3 * (32 + 2) + 2, png.getWidth());
        assertEquals(2 * (32 + 2) + 2, png.getHeight());

        // every sampler runs on [n, C, H, W]
        for (String sampler : new String[] {"pc", "ancestral", "ode", "heun", "heun-sde", "dpm++2m", "ddim"}) {
            Path other = dir.resolve(sampler + ".npy");
            run("sample", "--model", model.toString(), "--sampler", sampler, "--steps", "4", "--rtol", "1e-2",
                    "--atol", "1e-2", "--n", "3", "--seed", "2", "--out", other.toString());
            INDArray x = ArrayFiles.read(other);
            assertArrayEquals(new long[] {3, 1, 16, 16}, x.shape(), sampler);
            assertTrue(Double.isFinite(x.sumNumber().doubleValue()), sampler);
        }

        Path bpd = dir.resolve("bpd.csv");
        String scored = run("likelihood", "--model", model.toString(), "--data",
                "idx:" + data.resolve("train-images-idx3-ubyte.gz"), "--n", "3", "--rtol", "1e-3", "--atol", "1e-3",
                "--out", bpd.toString());
        assertTrue(scored.contains("bits per dimension"), scored);
        double[] values = ArrayFiles.read(bpd).toDoubleVector();
        assertEquals(3, values.length);
        for (double v : values) {
            // an untrained model: finite and positive, far from a good model's few bits
            assertTrue(Double.isFinite(v) && v > 0, "bpd " + v);
        }

        Path more = dir.resolve("more.zip");
        run("train", "--data", "idx:" + data, "--steps", "6", "--batch", "6", "--seed", "3", "--grid-every", "0",
                "--resume", model.toString(), "--out", more.toString());
        assertTrue(Files.exists(more));
    }

    @Test
    void imageMistakesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path data = writeFolder(Files.createDirectories(dir.resolve("data")));
        Path out = dir.resolve("m.zip");
        assertError(1, "--model unet-tutorial takes 1x28x28 images", "train", "--data", "idx:" + data, "--model",
                "unet-tutorial", "--steps", "1", "--out", out.toString());
        assertError(1, "too small for 4 levels", "train", "--data", "idx:" + data, "--steps", "1", "--out",
                out.toString());
        assertError(1, "--model mlp is for vector data", "train", "--data", "idx:" + data, "--model", "mlp",
                "--steps", "1", "--out", out.toString());
        assertError(1, "nowhere: no such file or folder", "train", "--data", "idx:" + dir.resolve("nowhere"), "--steps", "1",
                "--out", out.toString());
        Path broken = Files.write(dir.resolve("broken-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0});
        assertError(1, broken + " is truncated: it ends inside its header", "train", "--data", "idx:" + broken,
                "--steps", "1", "--out", out.toString());
        assertError(1, "holds images; score them with an image model", "likelihood", "--score",
                "exact:eight-gaussians", "--data", "idx:" + data, "--out", dir.resolve("b.csv").toString());
        assertTrue(!Files.exists(out), "nothing written");
    }
}
