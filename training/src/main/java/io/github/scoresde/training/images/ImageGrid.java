package io.github.scoresde.training.images;

import io.github.scoresde.core.AtomicFiles;
import io.github.scoresde.core.Checks;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes images {@code [n, C, H, W]} (C = 1 or 3, values in [0, 1], clamped) as one PNG grid of
 * ceil(sqrt(n)) columns with a 2-pixel border, each pixel drawn as a square of {@code zoom}
 * pixels. The file is written atomically.
 */
public final class ImageGrid {
    private static final int BORDER = 2;

    private ImageGrid() {
    }

    /**
     * @param images {@code [n, C, H, W]} with C = 1 or 3; NaN is drawn black, values are clamped to [0, 1]
     * @param zoom the size of one image pixel in the PNG, &gt;= 1
     * @param file the PNG to write
     * @throws IllegalArgumentException for another shape
     */
    public static void write(INDArray images, int zoom, Path file) {
        Checks.notNull("file", file);
        AtomicFiles.write(file, os -> ImageIO.write(render(images, zoom), "png", os));
    }

    /** As {@link #write(INDArray, int, Path)} with {@code columns} images per row. */
    public static void write(INDArray images, int zoom, int columns, Path file) {
        Checks.notNull("file", file);
        AtomicFiles.write(file, os -> ImageIO.write(render(images, zoom, columns), "png", os));
    }

    /**
     * Image i of every set in turn, [a_0, b_0, ..., a_1, b_1, ...]: side by side in a grid whose
     * column count is a multiple of the number of sets.
     *
     * @param sets arrays {@code [n, C, H, W]} of one shape; the first n of each are used, n the
     *     smallest count
     */
    public static INDArray interleave(INDArray... sets) {
        Checks.notNull("sets", sets);
        long n = Long.MAX_VALUE;
        for (INDArray s : sets) {
            n = Math.min(n, Checks.notNull("set", s).size(0));
        }
        long[] shape = sets[0].shape().clone();
        shape[0] = n * sets.length;
        INDArray out = org.nd4j.linalg.factory.Nd4j.create(sets[0].dataType(), shape);
        for (long i = 0; i < n; i++) {
            for (int k = 0; k < sets.length; k++) {
                out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i * sets.length + k))
                        .assign(sets[k].get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)));
            }
        }
        return out;
    }

    /** The grid as an image (see {@link #write}), about as many columns as rows. */
    public static BufferedImage render(INDArray images, int zoom) {
        Checks.notNull("images", images);
        return render(images, zoom, (int) Math.ceil(Math.sqrt(Math.max(1, images.size(0)))));
    }

    /** The grid as an image with {@code columns} images per row. */
    public static BufferedImage render(INDArray images, int zoom, int columns) {
        Checks.notNull("images", images);
        Checks.positive("columns", columns);
        Checks.positive("zoom", zoom);
        if (images.rank() != 4 || (images.size(1) != 1 && images.size(1) != 3) || images.size(0) < 1) {
            throw new IllegalArgumentException("images must have shape [n, 1 or 3, H, W]; got "
                    + Arrays.toString(images.shape()));
        }
        int n = (int) images.size(0);
        int c = (int) images.size(1);
        int h = (int) images.size(2);
        int w = (int) images.size(3);
        int cols = Math.min(columns, n);
        int rows = (n + cols - 1) / cols;
        int cw = w * zoom + BORDER;
        int ch = h * zoom + BORDER;
        BufferedImage out = new BufferedImage(cols * cw + BORDER, rows * ch + BORDER, BufferedImage.TYPE_INT_RGB);
        float[] v = images.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int plane = h * w;
        for (int i = 0; i < n; i++) {
            int ox = BORDER + (i % cols) * cw;
            int oy = BORDER + (i / cols) * ch;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int base = i * c * plane + y * w + x;
                    int r = level(v[base]);
                    int g = c == 3 ? level(v[base + plane]) : r;
                    int b = c == 3 ? level(v[base + 2 * plane]) : r;
                    int rgb = (r << 16) | (g << 8) | b;
                    for (int dy = 0; dy < zoom; dy++) {
                        for (int dx = 0; dx < zoom; dx++) {
                            out.setRGB(ox + x * zoom + dx, oy + y * zoom + dy, rgb);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static int level(float value) {
        if (!(value > 0)) {
            return 0;
        }
        return value >= 1 ? 255 : Math.round(value * 255);
    }
}
