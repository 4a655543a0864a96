package io.github.scoresde.tools;

import static io.github.scoresde.tools.CliAssert.assertError;
import static io.github.scoresde.tools.CliAssert.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageFolder;
import io.github.scoresde.training.images.ImageMasks;
import io.github.scoresde.training.images.ImageSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code inpaint} and {@code colorize} end to end on tiny written images and tiny U-Nets: the known
 * pixels (inpainting) and the grey values (colorization) of the completions equal the inputs', the
 * grids hold input, conditioning and completion side by side, and bad masks and samplers are
 * refused by name.
 */
class ImageCompletionCliTest {

    @Test
    void inpaintKeepsTheKnownPixels(@TempDir Path dir) throws IOException {
        Path data = ImageCliTest.writeFolder(Files.createDirectories(dir.resolve("data")));
        Path images = data.resolve("train-images-idx3-ubyte.gz");
        Path model = dir.resolve("model.zip");
        run("train", "--data", "idx:" + data, "--model", "unet", "--channels", "8,16", "--embedding", "16", "--sde", "ve",
                "--steps", "3", "--batch", "6", "--seed", "3", "--grid-every", "0", "--pixel-range", "symmetric", "--out",
                model.toString());
        INDArray truth = ImageSource.of(IdxFiles.read(images, null)).range(0, 4, RandomSource.of(0)).reshape(4, 1, 16, 16);
        Path png = dir.resolve("mask.png");
        BufferedImage drawn = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                drawn.setRGB(x, y, x < 5 ? 0 : 0xFFFFFF);
            }
        }
        ImageIO.write(drawn, "png", png.toFile());
        String[][] cases = {{"center", "ddim"}, {"random:0.3", "pc"}, {png.toString(), "heun-sde"}};
        for (String[] c : cases) {
            Path out = dir.resolve("inpainted.npy");
            Path grid = dir.resolve("inpainted.png");
            String said = run("inpaint", "--model", model.toString(), "--data", "idx:" + images, "--mask", c[0], "--n", "4",
                    "--sampler", c[1], "--steps", "6", "--seed", "2", "--out", out.toString(), "--grid", grid.toString());
            assertTrue(said.contains("inpainted 4 images") && said.contains("filling them with the data mean"), said);
            INDArray x = ArrayFiles.read(out);
            assertArrayEquals(new long[] {4, 1, 16, 16}, x.shape());
            INDArray mask = InpaintCommand.mask(c[0], 16, 16, 2);
            for (int i = 0; i < 4; i++) {
                INDArray known = x.get(NDArrayIndex.point(i), NDArrayIndex.point(0)).mul(mask);
                INDArray expected = truth.get(NDArrayIndex.point(i), NDArrayIndex.point(0)).mul(mask);
                assertEquals(0, known.sub(expected).amaxNumber().doubleValue(), 1e-4, c[0] + " image " + i);
            }
            BufferedImage g = ImageIO.read(grid.toFile());
            // 12 columns (4 triples) of 16 x 16 pixels drawn 2x, 2-pixel borders
            assertEquals(12 * (32 + 2) + 2, g.getWidth(), c[0]);
        }
        assertEquals(11 * 16, ImageMasks.read(png, 16, 16).sumNumber().intValue(), "PNG: light known, dark hidden");
        assertError(1, "--mask bogus: expected center, left, right, random:FRACTION or a .png file", "inpaint", "--model",
                model.toString(), "--data", "idx:" + images, "--mask", "bogus", "--n", "2", "--out", dir.resolve("x.npy").toString());
        assertError(1, "--sampler ode cannot be conditioned", "inpaint", "--model", model.toString(), "--data",
                "idx:" + images, "--mask", "left", "--sampler", "ode", "--n", "2", "--out", dir.resolve("x.npy").toString());
        BufferedImage small = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(small, "png", dir.resolve("small.png").toFile());
        assertError(1, "is 8 x 8 pixels; the images are 16 x 16", "inpaint", "--model", model.toString(), "--data",
                "idx:" + images, "--mask", dir.resolve("small.png").toString(), "--n", "2", "--out", dir.resolve("x.npy").toString());
    }

    @Test
    void colorizeKeepsTheGreyValues(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("rgb"));
        for (int i = 0; i < 6; i++) {
            BufferedImage im = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    im.setRGB(x, y, ((40 * i + 20 * x) % 256) << 16 | ((30 * y + 10 * i) % 256) << 8 | (200 - 20 * i));
                }
            }
            ImageIO.write(im, "png", folder.resolve("im" + i + ".png").toFile());
        }
        Path model = dir.resolve("rgb.zip");
        run("train", "--data", "images:" + folder, "--model", "unet", "--channels", "8,16", "--embedding", "16", "--sde",
                "vp", "--steps", "3", "--batch", "3", "--seed", "1", "--grid-every", "0", "--out", model.toString());
        Path out = dir.resolve("colour.npy");
        Path grid = dir.resolve("colour.png");
        String said = run("colorize", "--model", model.toString(), "--data", "images:" + folder, "--n", "3", "--sampler",
                "ddim", "--eta", "1", "--steps", "5", "--out", out.toString(), "--grid", grid.toString());
        assertTrue(said.contains("colorized 3 images"), said);
        INDArray x = ArrayFiles.read(out);
        assertArrayEquals(new long[] {3, 3, 8, 8}, x.shape());
        INDArray truth = ImageSource.of(ImageFolder.read(folder)).range(0, 3, RandomSource.of(0)).reshape(3, 3, 8, 8);
        assertEquals(0, x.mean(1).sub(truth.mean(1)).amaxNumber().doubleValue(), 1e-4, "grey values kept");
        assertError(1, "colorize needs a colour model (3 channels)", "colorize", "--model",
                prepareGreyModel(dir).toString(), "--data", "idx:" + dir.resolve("grey/train-images-idx3-ubyte.gz"),
                "--n", "2", "--out", dir.resolve("x.npy").toString());
    }

    /**
     * train --conditional makes a class-conditional U-Net (labels of the written folder);
     * sample --class --guidance samples it with classifier-free guidance; an unconditional model
     * and a class out of range are refused by name.
     */
    @Test
    void classConditionalTrainingAndGuidedSampling(@TempDir Path dir) throws IOException {
        Path data = ImageCliTest.writeFolder(Files.createDirectories(dir.resolve("data")));
        Path model = dir.resolve("cond.zip");
        run("train", "--data", "idx:" + data, "--model", "unet", "--channels", "8,16", "--embedding", "16", "--sde", "vp",
                "--steps", "3", "--batch", "6", "--seed", "3", "--grid-every", "0", "--conditional", "--label-dropout", "0.2",
                "--out", model.toString());
        io.github.scoresde.training.TrainedModel m = io.github.scoresde.training.TrainedModel.load(model);
        assertEquals(3, ((io.github.scoresde.nn.UNetScoreNetwork) m.network()).config().classes());
        Path out = dir.resolve("guided.npy");
        String said = run("sample", "--model", model.toString(), "--sampler", "ddim", "--steps", "4", "--class", "2",
                "--guidance", "1.5", "--n", "3", "--out", out.toString());
        assertTrue(said.contains("wrote 3 samples"), said);
        assertArrayEquals(new long[] {3, 1, 16, 16}, ArrayFiles.read(out).shape());
        assertError(1, "labels must lie in [0, 3)", "sample", "--model", model.toString(), "--sampler", "ddim",
                "--class", "3", "--n", "2", "--out", out.toString());
        assertError(1, "--guidance needs --class", "sample", "--model", model.toString(), "--guidance", "2", "--n", "2",
                "--out", out.toString());
        Path plain = dir.resolve("plain.zip");
        run("train", "--data", "idx:" + data, "--model", "unet", "--channels", "8,16", "--embedding", "16", "--sde", "vp",
                "--steps", "2", "--batch", "6", "--seed", "3", "--grid-every", "0", "--out", plain.toString());
        assertError(1, "classifier-free guidance needs a class-conditional score model", "sample", "--model",
                plain.toString(), "--sampler", "ddim", "--class", "1", "--n", "2", "--out", out.toString());
    }

    private static Path prepareGreyModel(Path dir) throws IOException {
        Path data = ImageCliTest.writeFolder(Files.createDirectories(dir.resolve("grey")));
        Path model = dir.resolve("grey.zip");
        run("train", "--data", "idx:" + data, "--model", "unet", "--channels", "8,16", "--embedding", "16", "--sde", "ve",
                "--steps", "2", "--batch", "6", "--seed", "3", "--grid-every", "0", "--out", model.toString());
        return model;
    }
}
