package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import java.util.Arrays;

/**
 * Images with 8-bit pixels held in memory, {@code n x C x H x W} in row-major (NCHW) order, with
 * an optional class label per image. Immutable; the pixel and label arrays are owned, never
 * handed out.
 */
public final class ImageSet {
    private final String name;
    private final byte[] pixels;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;
    private final int[] labels;

    /**
     * @param name a name for logs and messages (e.g. the file it came from)
     * @param pixels {@code count * channels * height * width} bytes, read as unsigned 0..255 (copied)
     * @param labels one label &gt;= 0 per image, or null (copied)
     * @throws IllegalArgumentException when the sizes do not agree
     */
    public ImageSet(String name, byte[] pixels, int count, int channels, int height, int width, int[] labels) {
        this.name = Checks.notNull("name", name);
        Checks.notNull("pixels", pixels);
        this.count = Checks.positive("count", count);
        this.channels = Checks.positive("channels", channels);
        this.height = Checks.positive("height", height);
        this.width = Checks.positive("width", width);
        if ((long) count * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes do not make " + count
                    + " images of " + channels + "x" + height + "x" + width);
        }
        if (labels != null) {
            if (labels.length != count) {
                throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + count + " images");
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0) {
                    throw new IllegalArgumentException(name + ": label " + labels[i] + " of image " + i
                            + " is negative");
                }
            }
        }
        this.pixels = pixels.clone();
        this.labels = labels == null ? null : labels.clone();
    }

    /** The name given at construction. */
    public String name() {
        return name;
    }

    /** The number of images. */
    public int size() {
        return count;
    }

    /** The shape of one image, {@code [C, H, W]}. */
    public long[] imageShape() {
        return new long[] {channels, height, width};
    }

    /** C. */
    public int channels() {
        return channels;
    }

    /** H. */
    public int height() {
        return height;
    }

    /** W. */
    public int width() {
        return width;
    }

    /** The number of values of one image, C H W. */
    public int imageSize() {
        return channels * height * width;
    }

    /** Whether the images carry labels. */
    public boolean labelled() {
        return labels != null;
    }

    /** The label of image i. @throws IllegalStateException for an unlabelled set */
    public int label(int i) {
        if (labels == null) {
            throw new IllegalStateException(name + " has no labels");
        }
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("image " + i + " of " + count);
        }
        return labels[i];
    }

    /** The number of classes: the largest label + 1 (0 for an unlabelled set). */
    public int classes() {
        return labels == null ? 0 : Arrays.stream(labels).max().orElse(-1) + 1;
    }

    /** Pixel j (0..255) of image i, j indexing the image's C H W values in NCHW order. */
    public int pixel(int i, int j) {
        return pixels[i * imageSize() + j] & 0xFF;
    }

    /** The first {@code n} images (or all when there are fewer). */
    public ImageSet head(int n) {
        Checks.positive("n", n);
        int m = Math.min(n, count);
        return new ImageSet(name, Arrays.copyOf(pixels, m * imageSize()), m, channels, height, width,
                labels == null ? null : Arrays.copyOf(labels, m));
    }

    @Override
    public String toString() {
        return name + " (" + count + " images of " + channels + "x" + height + "x" + width
                + (labels != null ? ", " + classes() + " classes" : "") + ")";
    }
}
