package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, the type
 * code 0x08 for unsigned bytes, the number of dimensions, then each size as a 32-bit integer)
 * followed by the values. Image files have three dimensions (n, rows, columns), label files one.
 * Files may be gzip-compressed (detected from their first bytes, whatever their name). Errors
 * name the file and what is wrong: a missing file, a bad header, a truncated body, counts that do
 * not match.
 */
public final class IdxFiles {
    /** The training images' file name in an MNIST-style folder. */
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    /** The training labels' file name. */
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    /** The test images' file name. */
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    /** The test labels' file name. */
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    private static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private IdxFiles() {
    }

    /** Which half of an MNIST-style folder. */
    public enum Split {
        /** train-*. */
        TRAIN,
        /** t10k-*. */
        TEST
    }

    /**
     * Reads images and, when a labels file is given, their labels.
     *
     * @param images an IDX file of unsigned bytes with 3 dimensions
     * @param labels an IDX file of unsigned bytes with 1 dimension and as many entries, or null
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static ImageSet read(Path images, Path labels) {
        Checks.notNull("images", images);
        Idx img = readIdx(images, 3);
        int[] y = null;
        if (labels != null) {
            Idx lab = readIdx(labels, 1);
            if (lab.dims[0] != img.dims[0]) {
                throw new IllegalArgumentException(labels + " holds " + lab.dims[0] + " labels but " + images
                        + " holds " + img.dims[0] + " images");
            }
            y = new int[lab.dims[0]];
            for (int i = 0; i < y.length; i++) {
                y[i] = lab.values[i] & 0xFF;
            }
        }
        return new ImageSet(images.toString(), img.values, img.dims[0], 1, img.dims[1], img.dims[2], y);
    }

    /**
     * Reads one split of an MNIST-style folder: {@code train-images-idx3-ubyte} (or
     * {@code t10k-...}), gzipped ({@code .gz}) or not, with its labels when the labels file is
     * there.
     *
     * @throws IllegalArgumentException when the folder has no images file of that split
     */
    public static ImageSet readFolder(Path dir, Split split) {
        Checks.notNull("dir", dir);
        Checks.notNull("split", split);
        String imgName = split == Split.TRAIN ? TRAIN_IMAGES : TEST_IMAGES;
        String labName = split == Split.TRAIN ? TRAIN_LABELS : TEST_LABELS;
        Path img = find(dir, imgName);
        if (img == null) {
            throw new IllegalArgumentException("Cannot read " + dir + ": it holds no " + imgName + " or " + imgName
                    + ".gz" + (Files.isDirectory(dir) ? "" : " (no such folder)"));
        }
        return read(img, find(dir, labName));
    }

    private static Path find(Path dir, String name) {
        for (String n : new String[] {name + ".gz", name}) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private record Idx(int[] dims, byte[] values) {
    }

    /**
     * Writes single-channel images as an MNIST-style IDX file (unsigned bytes, count x rows x
     * columns) and, when {@code labels} is not null, their labels (the set must be labelled); a
     * name ending in {@code .gz} is gzipped. Each file is written atomically. What {@link #read}
     * reads back.
     *
     * @throws IllegalArgumentException for colour images, or labels asked of an unlabelled set
     */
    public static void write(ImageSet images, Path imagesFile, Path labels) {
        Checks.notNull("images", images);
        Checks.notNull("imagesFile", imagesFile);
        if (images.channels() != 1) {
            throw new IllegalArgumentException("IDX files hold single-channel images; " + images.name() + " has "
                    + images.channels() + " channels");
        }
        if (labels != null && !images.labelled()) {
            throw new IllegalArgumentException(images.name() + " has no labels to write to " + labels);
        }
        int n = images.size();
        int d = images.imageSize();
        byte[] body = new byte[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                body[i * d + j] = (byte) images.pixel(i, j);
            }
        }
        writeIdx(imagesFile, body, n, images.height(), images.width());
        if (labels != null) {
            byte[] y = new byte[n];
            for (int i = 0; i < n; i++) {
                y[i] = (byte) images.label(i);
            }
            writeIdx(labels, y, n);
        }
    }

    /** An IDX file of unsigned bytes: magic 0x0000080r, the dimensions, the body; gzipped for .gz names. */
    private static void writeIdx(Path file, byte[] body, int... dims) {
        io.github.scoresde.core.AtomicFiles.write(file, os -> {
            java.io.OutputStream sink = file.getFileName().toString().endsWith(".gz")
                    ? new java.util.zip.GZIPOutputStream(os) : os;
            java.io.DataOutputStream out = new java.io.DataOutputStream(sink);
            out.writeInt(0x800 | dims.length);
            for (int dim : dims) {
                out.writeInt(dim);
            }
            out.write(body);
            out.flush();
            if (sink instanceof java.util.zip.GZIPOutputStream gz) {
                gz.finish();
            }
        });
    }

    private static Idx readIdx(Path file, int rank) {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
                DataInputStream in = new DataInputStream(maybeGunzip(raw))) {
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int dims = in.readUnsignedByte();
            if (zero != 0 || type != 0x08) {
                throw new IllegalArgumentException(file + " is not an IDX file of unsigned bytes (its header starts "
                        + String.format("%04x %02x", zero, type) + ", expected 0000 08)");
            }
            if (dims != rank) {
                throw new IllegalArgumentException(file + " has " + dims + " dimensions; expected " + rank
                        + (rank == 3 ? " (images: count, rows, columns)" : " (labels)"));
            }
            int[] d = new int[dims];
            long total = 1;
            for (int i = 0; i < dims; i++) {
                d[i] = in.readInt();
                if (d[i] <= 0) {
                    throw new IllegalArgumentException(file + ": dimension " + i + " has size " + d[i]);
                }
                total *= d[i];
            }
            if (total > MAX_VALUES) {
                throw new IllegalArgumentException(file + " declares " + total + " values, more than one array holds");
            }
            byte[] values = new byte[(int) total];
            try {
                in.readFully(values);
            } catch (EOFException e) {
                throw new IllegalArgumentException(file + " is truncated: its header declares " + total
                        + " values", e);
            }
            return new Idx(d, values);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": no such file", e);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " is truncated: it ends inside its header", e);
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + " is a corrupt gzip file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A gzip stream when the data starts with gzip's magic bytes, the stream itself otherwise. */
    private static InputStream maybeGunzip(InputStream in) throws IOException {
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }
}
