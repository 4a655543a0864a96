package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inpainting masks for images: float32 {@code [H, W]} arrays of 1 (known pixel) and 0 (hidden
 * pixel, to be completed), as {@code samplers.guidance.Inpainting} takes them (the same pixels in
 * every channel). Each built-in names the region it hides.
 */
public final class ImageMasks {
    private ImageMasks() {
    }

    /** Hides the centre box of half the height and half the width (rows h/4 .. h/4 + h/2). */
    public static INDArray hideCentre(int h, int w) {
        INDArray m = known(h, w);
        int top = h / 4;
        int left = w / 4;
        for (int y = top; y < top + (h + 1) / 2; y++) {
            for (int x = left; x < left + (w + 1) / 2; x++) {
                m.putScalar(y, x, 0);
            }
        }
        return m;
    }

    /** Hides the left half (columns 0 .. w/2 - 1). */
    public static INDArray hideLeft(int h, int w) {
        INDArray m = known(h, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w / 2; x++) {
                m.putScalar(y, x, 0);
            }
        }
        return m;
    }

    /** Hides the right half (columns w/2 .. w - 1). */
    public static INDArray hideRight(int h, int w) {
        INDArray m = known(h, w);
        for (int y = 0; y < h; y++) {
            for (int x = w / 2; x < w; x++) {
                m.putScalar(y, x, 0);
            }
        }
        return m;
    }

    /**
     * Hides each pixel with probability {@code fraction}, independently; pixel (y, x) decided by
     * value y w + x of index 0 of {@code rng}.
     */
    public static INDArray hideRandom(int h, int w, double fraction, RandomSource rng) {
        Checks.inRange("fraction", fraction, 0, 1);
        Checks.notNull("rng", rng);
        INDArray m = known(h, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (rng.uniform(0, (long) y * w + x) < fraction) {
                    m.putScalar(y, x, 0);
                }
            }
        }
        return m;
    }

    /**
     * A mask drawn as a PNG (or JPEG) of the images' size: light pixels (grey level 128 or more)
     * known, dark ones hidden.
     *
     * @throws IllegalArgumentException for a missing or unreadable file, or another size, naming it
     */
    public static INDArray read(Path file, int h, int w) {
        Checks.notNull("file", file);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Cannot read mask " + file + ": no such file");
        }
        BufferedImage im;
        try {
            im = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot read mask " + file + ": " + e.getMessage(), e);
        }
        if (im == null) {
            throw new IllegalArgumentException("Cannot read mask " + file + ": not a PNG or JPEG image");
        }
        if (im.getHeight() != h || im.getWidth() != w) {
            throw new IllegalArgumentException("mask " + file + " is " + im.getHeight() + " x " + im.getWidth()
                    + " pixels; the images are " + h + " x " + w);
        }
        INDArray m = Nd4j.zeros(DataType.FLOAT, h, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = im.getRGB(x, y);
                double grey = 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
                m.putScalar(y, x, grey >= 127.5 ? 1 : 0);
            }
        }
        return m;
    }

    private static INDArray known(int h, int w) {
        Checks.positive("height", h);
        Checks.positive("width", w);
        return Nd4j.ones(DataType.FLOAT, h, w);
    }
}
