package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder of PNG or JPEG images (through {@link ImageIO}) into an {@link ImageSet}. Either
 * the images lie in the folder itself (unlabelled), or in one sub-folder per class (labels 0, 1,
 * ... in the sub-folders' name order). Files are taken in name order. Images are grayscale
 * (1 channel) when every file is grayscale, RGB (3 channels) otherwise, unless
 * {@link Options#channels} says; alpha is dropped. Images of another size than the first are
 * refused with a message naming the file, unless {@link Options#resize} sets a size every image
 * is scaled to (bilinear).
 */
public final class ImageFolder {
    private ImageFolder() {
    }

    /**
     * How to read a folder.
     *
     * @param channels 1 (grayscale), 3 (RGB) or 0 (decide from the files)
     * @param height the height to resize to, or 0 to keep sizes (and refuse differing ones)
     * @param width the width to resize to, or 0 likewise
     */
    public record Options(int channels, int height, int width) {
        /** Checks the values. */
        public Options {
            if (channels != 0 && channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1, 3 or 0 (from the files); got " + channels);
            }
            if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
                throw new IllegalArgumentException("resize to a positive height and width, or neither; got "
                        + height + "x" + width);
            }
        }

        /** Channels from the files, sizes kept. */
        public static Options defaults() {
            return new Options(0, 0, 0);
        }

        /** These options with every image resized to height x width. */
        public Options resize(int h, int w) {
            return new Options(channels, Checks.positive("height", h), Checks.positive("width", w));
        }

        /** These options with a fixed number of channels (1 or 3). */
        public Options withChannels(int c) {
            return new Options(c, height, width);
        }
    }

    /**
     * Reads a folder with {@link Options#defaults()}.
     *
     * @throws IllegalArgumentException naming the folder or file and the problem
     */
    public static ImageSet read(Path dir) {
        return read(dir, Options.defaults());
    }

    /**
     * Reads a folder.
     *
     * @throws IllegalArgumentException naming the folder or file and the problem: no images, a file
     *     that is not a readable image, a size that differs
     */
    public static ImageSet read(Path dir, Options options) {
        Checks.notNull("dir", dir);
        Checks.notNull("options", options);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Cannot read " + dir + ": no such folder");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> top = list(dir, true);
        List<Path> classes = list(dir, false);
        if (!top.isEmpty()) {
            files.addAll(top);
        } else {
            for (int k = 0; k < classes.size(); k++) {
                for (Path f : list(classes.get(k), true)) {
                    files.add(f);
                    labels.add(k);
                }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("Cannot read " + dir + ": it holds no .png, .jpg or .jpeg files, "
                    + "neither itself nor in class sub-folders");
        }
        List<BufferedImage> images = new ArrayList<>(files.size());
        boolean allGray = true;
        for (Path f : files) {
            BufferedImage im = decode(f);
            allGray &= isGray(im);
            images.add(im);
        }
        int c = options.channels() != 0 ? options.channels() : allGray ? 1 : 3;
        int h = options.height() != 0 ? options.height() : images.get(0).getHeight();
        int w = options.width() != 0 ? options.width() : images.get(0).getWidth();
        byte[] pixels = new byte[files.size() * c * h * w];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage im = images.get(i);
            if (im.getHeight() != h || im.getWidth() != w) {
                if (options.height() == 0) {
                    throw new IllegalArgumentException(files.get(i) + " is " + im.getWidth() + "x" + im.getHeight()
                            + " pixels but " + files.get(0) + " is " + w + "x" + h
                            + "; give a size to resize every image to");
                }
                im = resize(im, h, w);
            }
            write(im, c, pixels, i * c * h * w);
        }
        int[] y = labels.isEmpty() ? null : labels.stream().mapToInt(Integer::intValue).toArray();
        return new ImageSet(dir.toString(), pixels, files.size(), c, h, w, y);
    }

    private static List<Path> list(Path dir, boolean imageFiles) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> imageFiles ? Files.isRegularFile(p) && isImageName(p) : Files.isDirectory(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static BufferedImage decode(Path f) {
        try {
            BufferedImage im = ImageIO.read(f.toFile());
            if (im == null) {
                throw new IllegalArgumentException(f + " is not a PNG or JPEG image this reader can decode");
            }
            return im;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith(f.toString())) {
                throw iae;
            }
            throw new IllegalArgumentException(f + " is not a readable image (corrupt or truncated): "
                    + e.getMessage(), e);
        }
    }

    private static boolean isGray(BufferedImage im) {
        if (im.getColorModel().getNumColorComponents() == 1) {
            return true;
        }
        for (int y = 0; y < im.getHeight(); y++) {
            for (int x = 0; x < im.getWidth(); x++) {
                int rgb = im.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                if (r != ((rgb >> 8) & 0xFF) || r != (rgb & 0xFF)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static BufferedImage resize(BufferedImage im, int h, int w) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(im, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** Writes the image's pixels as c planes (1: luma of sRGB, or the gray value itself). */
    private static void write(BufferedImage im, int c, byte[] out, int offset) {
        int h = im.getHeight();
        int w = im.getWidth();
        boolean gray = im.getColorModel().getNumColorComponents() == 1 && im.getRaster().getNumBands() >= 1
                && im.getSampleModel().getSampleSize(0) == 8;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int j = y * w + x;
                if (gray && c == 1) {
                    out[offset + j] = (byte) im.getRaster().getSample(x, y, 0);
                    continue;
                }
                int rgb = im.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                if (c == 1) {
                    out[offset + j] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    out[offset + j] = (byte) r;
                    out[offset + h * w + j] = (byte) g;
                    out[offset + 2 * h * w + j] = (byte) b;
                }
            }
        }
    }
}
