package io.github.scoresde.training.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class ImageDataTest {
    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes with the given dimensions; pixel i of the body is i % 251. */
    static byte[] idx(int... dims) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeShort(0);
        out.writeByte(8);
        out.writeByte(dims.length);
        int total = 1;
        for (int d : dims) {
            out.writeInt(d);
            total *= d;
        }
        for (int i = 0; i < total; i++) {
            out.writeByte(i % 251);
        }
        return b.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(b)) {
            gz.write(raw);
        }
        return b.toByteArray();
    }

    @Test
    void writtenIdxFilesReadBack() {
        byte[] pixels = new byte[5 * 6];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37 % 256);
        }
        ImageSet set = new ImageSet("five", pixels, 5, 1, 2, 3, new int[] {0, 4, 2, 9, 1});
        for (String name : new String[] {"a-idx3-ubyte", "b-idx3-ubyte.gz"}) {
            Path images = dir.resolve(name);
            Path labels = dir.resolve(name.replace("idx3", "idx1"));
            IdxFiles.write(set, images, labels);
            ImageSet back = IdxFiles.read(images, labels);
            assertEquals(5, back.size());
            assertEquals(2, back.height());
            assertEquals(3, back.width());
            for (int i = 0; i < 5; i++) {
                assertEquals(set.label(i), back.label(i));
                for (int j = 0; j < 6; j++) {
                    assertEquals(set.pixel(i, j), back.pixel(i, j), name + " image " + i + " pixel " + j);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> IdxFiles.write(new ImageSet("rgb", new byte[12], 1, 3, 2,
                2, null), dir.resolve("rgb-idx3-ubyte"), null));
    }

    @Test
    void idxFilesAreReadGzippedOrNotWithLabels() throws IOException {
        Files.write(dir.resolve(IdxFiles.TRAIN_IMAGES + ".gz"), gzip(idx(3, 4, 5)));
        byte[] labels = idx(3);
        Files.write(dir.resolve(IdxFiles.TRAIN_LABELS), labels);
        ImageSet s = IdxFiles.readFolder(dir, IdxFiles.Split.TRAIN);
        assertEquals(3, s.size());
        assertArrayEquals(new long[] {1, 4, 5}, s.imageShape());
        assertEquals(21, s.pixel(1, 1));
        assertEquals(2, s.label(2));
        assertEquals(3, s.classes());
        ImageSet plain = IdxFiles.read(write("plain", idx(3, 4, 5)), null);
        assertFalse(plain.labelled());
        assertEquals(s.pixel(2, 19), plain.pixel(2, 19));
    }

    @Test
    void brokenIdxFilesAreRefusedNamingTheFile() throws IOException {
        byte[] full = idx(3, 4, 5);
        Path truncated = write("truncated", Arrays.copyOf(full, full.length - 7));
        assertMessage(() -> IdxFiles.read(truncated, null), truncated + " is truncated");
        byte[] gz = gzip(full);
        Path truncatedGz = write("truncated.gz", Arrays.copyOf(gz, gz.length / 2));
        assertMessage(() -> IdxFiles.read(truncatedGz, null), truncatedGz.toString());
        byte[] bad = full.clone();
        bad[2] = 0x0D;
        Path floats = write("floats", bad);
        assertMessage(() -> IdxFiles.read(floats, null), "not an IDX file of unsigned bytes");
        Path labels = write("labels", idx(3, 2));
        assertMessage(() -> IdxFiles.read(write("img", full), labels), "has 2 dimensions; expected 1");
        Path fewLabels = write("few", idx(2));
        assertMessage(() -> IdxFiles.read(write("img2", full), fewLabels), "holds 2 labels but");
        assertMessage(() -> IdxFiles.read(dir.resolve("none"), null), "no such file");
        assertMessage(() -> IdxFiles.readFolder(dir.resolve("nowhere"), IdxFiles.Split.TEST), "no such folder");
        Path header = write("header", Arrays.copyOf(full, 6));
        assertMessage(() -> IdxFiles.read(header, null), "ends inside its header");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }

    private static BufferedImage gray(int w, int h, int base) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.getRaster().setSample(x, y, 0, (base + 10 * y + x) % 256);
            }
        }
        return im;
    }

    @Test
    void foldersOfPngsAreReadWithClassesFromSubFolders() throws IOException {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        ImageIO.write(gray(4, 3, 0), "png", dir.resolve("a/1.png").toFile());
        ImageIO.write(gray(4, 3, 50), "png", dir.resolve("b/1.png").toFile());
        ImageIO.write(gray(4, 3, 100), "png", dir.resolve("b/2.png").toFile());
        ImageSet s = ImageFolder.read(dir);
        assertEquals(3, s.size());
        assertArrayEquals(new long[] {1, 3, 4}, s.imageShape());
        assertEquals(0, s.label(0));
        assertEquals(1, s.label(2));
        assertEquals(100 + 10 * 2 + 3, s.pixel(2, 2 * 4 + 3));
        BufferedImage rgb = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(1, 2, 0x102030);
        Path colour = Files.createDirectories(dir.resolve("colour"));
        ImageIO.write(rgb, "png", colour.resolve("c.png").toFile());
        ImageSet c = ImageFolder.read(colour);
        assertEquals(3, c.channels());
        assertEquals(0x10, c.pixel(0, 2 * 4 + 1));
        assertEquals(0x20, c.pixel(0, 12 + 2 * 4 + 1));
        assertEquals(0x30, c.pixel(0, 24 + 2 * 4 + 1));
    }

    @Test
    void differentSizesAreRefusedOrResizedAndCorruptFilesNamed() throws IOException {
        ImageIO.write(gray(4, 3, 0), "png", dir.resolve("1.png").toFile());
        ImageIO.write(gray(5, 3, 0), "png", dir.resolve("2.png").toFile());
        assertMessage(() -> ImageFolder.read(dir), dir.resolve("2.png") + " is 5x3 pixels but");
        ImageSet r = ImageFolder.read(dir, ImageFolder.Options.defaults().resize(6, 6));
        assertArrayEquals(new long[] {1, 6, 6}, r.imageShape());
        Files.write(dir.resolve("3.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        assertMessage(() -> ImageFolder.read(dir), dir.resolve("3.png").toString());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertMessage(() -> ImageFolder.read(empty), "holds no .png");
    }

    @Test
    void sourcesScaleDequantiseAndFlipDeterministically() {
        byte[] px = new byte[2 * 2 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 20);
        }
        ImageSet s = new ImageSet("t", px, 2, 1, 2, 3, new int[] {0, 1});
        ImageSource plain = ImageSource.of(s);
        INDArray r = plain.range(1, 1, RandomSource.of(1));
        assertEquals(6 * 20 / 255.0, r.getDouble(0, 0), 1e-6);
        INDArray a = plain.dequantized(true).batch(64, RandomSource.of(5));
        INDArray b = plain.dequantized(true).batch(64, RandomSource.of(5));
        assertEquals(0, a.distance2(b), 0, "a batch is a function of its randomness");
        for (int i = 0; i < 64; i++) {
            // (p + u) / 256 lies in [p / 256, (p + 1) / 256)
            double v = a.getDouble(i, 1);
            int p = (int) Math.floor(v * 256);
            assertTrue(p == 20 || p == 140, "pixel 1 of either image: " + v);
        }
        INDArray f = plain.flipped(true).batch(200, RandomSource.of(7));
        int mirrored = 0;
        for (int i = 0; i < 200; i++) {
            if (Math.abs(f.getDouble(i, 0) - f.getDouble(i, 2)) > 0 && f.getDouble(i, 0) > f.getDouble(i, 2)) {
                mirrored++;
            }
        }
        assertTrue(mirrored > 70 && mirrored < 130, "about half flipped: " + mirrored);
        assertThrows(IllegalStateException.class,
                () -> ImageSource.of(new ImageSet("u", px, 2, 1, 2, 3, null)).labelled());
    }

    /** Interleaving sets puts image i of each set side by side, in the sets' order. */
    @Test
    void interleaveAlternatesTheSets() {
        org.nd4j.linalg.api.ndarray.INDArray a = org.nd4j.linalg.factory.Nd4j.zeros(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 1, 2, 2);
        org.nd4j.linalg.api.ndarray.INDArray b = a.add(1);
        for (int i = 0; i < 3; i++) {
            a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).assign(10 * i);
        }
        org.nd4j.linalg.api.ndarray.INDArray both = ImageGrid.interleave(a, b);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {6, 1, 2, 2}, both.shape());
        for (int i = 0; i < 3; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(10.0 * i, both.getDouble(2 * i, 0, 1, 1));
            org.junit.jupiter.api.Assertions.assertEquals(1.0, both.getDouble(2 * i + 1, 0, 0, 0));
        }
    }
}
