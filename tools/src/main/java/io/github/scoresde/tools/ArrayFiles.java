package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.training.data.CsvDataSource;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes 2-D arrays {@code [n, d]} as CSV (a header line {@code x1,...,xd}, then one row
 * per line) or as NumPy's {@code .npy} (format 1.0, float32 little-endian, C order), chosen by
 * the file's extension, so Python users can load results with {@code numpy.load}.
 */
public final class ArrayFiles {
    private ArrayFiles() {
    }

    /**
     * Writes {@code x} to {@code file} atomically: .npy (float32, C order, any rank, e.g. images
     * {@code [n, C, H, W]}) or .csv ({@code [n, d]} only).
     *
     * @throws IllegalArgumentException for another extension, or an array of rank other than 2 to a .csv
     */
    public static void write(INDArray x, Path file) {
        Checks.notNull("x", x);
        String ext = extension(file);
        if (x.rank() < 1 || ext.equals("csv") && x.rank() != 2) {
            throw new IllegalArgumentException("a .csv file holds [n, d] arrays; got shape "
                    + java.util.Arrays.toString(x.shape()) + " (write images to a .npy file)");
        }
        io.github.scoresde.core.AtomicFiles.write(file, out -> {
            if (ext.equals("npy")) {
                writeNpy(x, out);
            } else {
                writeCsv(x, out);
            }
        });
    }

    /**
     * Reads float32 data from a .csv (header optional; {@code [n, d]}) or .npy (float32 or
     * float64, C order, any rank, returned in its shape) file.
     *
     * @throws IllegalArgumentException for a missing or malformed file, naming the problem
     */
    public static INDArray read(Path file) {
        String ext = extension(file);
        if (ext.equals("csv")) {
            return CsvDataSource.read(file).all();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return readNpy(file.toString(), bytes);
    }

    /**
     * An array read from a file as examples of a model: its {@code n} rows must hold n examples of
     * {@code sampleShape} ({@code [n, d]} or {@code [n, sampleShape...]}); returned float32 as
     * {@code [n, sampleShape...]}, all finite.
     *
     * @param what the option and file it came from, for messages (e.g. {@code --data x.npy})
     * @throws IllegalArgumentException naming it and both shapes
     */
    static INDArray asExamples(String what, INDArray x, long[] sampleShape) {
        long per = 1;
        for (long d : sampleShape) {
            per *= d;
        }
        if (x.rank() < 2 || x.length() != x.size(0) * per) {
            throw new IllegalArgumentException(what + " has shape " + java.util.Arrays.toString(x.shape())
                    + "; the model's samples have shape " + java.util.Arrays.toString(sampleShape));
        }
        INDArray examples = x.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(
                io.github.scoresde.core.NdArrays.batchShape(x.size(0), sampleShape));
        Checks.allFinite(what, examples);
        return examples;
    }

    /** The extensions {@link #write} takes, for {@link Outputs#check}. */
    static final String[] EXTENSIONS = {"csv", "npy"};

    private static String extension(Path file) {
        Checks.notNull("file", file);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return "csv";
        }
        if (name.endsWith(".npy")) {
            return "npy";
        }
        throw new IllegalArgumentException("Unsupported file type \"" + file + "\"; expected a .csv or .npy file");
    }

    /** A shape dimension of an .npy header; beyond a long it is too large for any array. */
    private static long parseDimension(String digits) {
        return digits.length() > 18 ? Long.MAX_VALUE / 4 : Long.parseLong(digits);
    }

    /** The .npy header for a float32 C-order array of the given shape, padded to a multiple of 64 bytes. */
    public static byte[] npyHeader(long... shape) {
        StringBuilder dims = new StringBuilder();
        for (long s : shape) {
            dims.append(s).append(", ");
        }
        String tuple = shape.length == 1 ? dims.toString().trim() : dims.substring(0, dims.length() - 2);
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + tuple + "), }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    static void writeNpy(INDArray x, OutputStream out) throws IOException {
        out.write(npyHeader(x.shape()));
        float[] v = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        out.write(b.array());
    }

    static void writeCsv(INDArray x, OutputStream out) throws IOException {
        long d = x.size(1);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < d; j++) {
            sb.append(j == 0 ? "" : ",").append("x").append(j + 1);
        }
        sb.append('\n');
        double[] v = Checks.flat(x);
        for (int i = 0; i < x.size(0); i++) {
            for (int j = 0; j < d; j++) {
                sb.append(j == 0 ? "" : ",").append((float) v[(int) (i * d + j)]);
            }
            sb.append('\n');
        }
        DataOutputStream dos = new DataOutputStream(out);
        dos.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        dos.flush();
    }

    static INDArray readNpy(String name, byte[] bytes) {
        if (bytes.length < 10 || (bytes[0] & 0xff) != 0x93
                || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IllegalArgumentException("Cannot read " + name + ": not a .npy file (bad magic string)");
        }
        int major = bytes[6];
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            offset = 10;
        } else if (major == 2 || major == 3) {
            headerLen = b.getInt(8);
            offset = 12;
        } else {
            throw new IllegalArgumentException("Cannot read " + name + ": unsupported .npy version " + major);
        }
        if (offset + headerLen > bytes.length) {
            throw new IllegalArgumentException("Cannot read " + name + ": truncated .npy header");
        }
        String header = new String(bytes, offset, headerLen, StandardCharsets.US_ASCII);
        boolean f4 = header.contains("'<f4'");
        boolean f8 = header.contains("'<f8'");
        if (!f4 && !f8) {
            throw new IllegalArgumentException("Cannot read " + name + ": only little-endian float32 or float64 "
                    + ".npy files are supported; header " + header.trim());
        }
        if (header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException("Cannot read " + name + ": Fortran-order .npy files are not supported");
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("'shape': \\(([\\d, ]*)\\)").matcher(header);
        String[] parts = m.find() ? m.group(1).split(",") : new String[0];
        long[] shape = java.util.Arrays.stream(parts).map(String::trim).filter(t -> !t.isEmpty())
                .mapToLong(ArrayFiles::parseDimension).toArray();
        if (shape.length == 0) {
            throw new IllegalArgumentException("Cannot read " + name + ": no array shape (or a scalar) in its header "
                    + header.trim());
        }
        long total = 1;
        for (long dim : shape) {
            if (dim != 0 && total > (Integer.MAX_VALUE - 8L) / Math.max(1, dim) || dim > Integer.MAX_VALUE - 8L) {
                throw new IllegalArgumentException("Cannot read " + name + ": its shape (" + m.group(1)
                        + ") holds more values than one array can (2^31)");
            }
            total *= dim;
        }
        int count = (int) total;
        int width = f4 ? 4 : 8;
        int start = offset + headerLen;
        if ((long) count * width != bytes.length - start) {
            throw new IllegalArgumentException("Cannot read " + name + ": expected " + (long) count * width
                    + " bytes of data for shape (" + m.group(1) + "), found " + (bytes.length - start));
        }
        float[] v = new float[count];
        ByteBuffer data = ByteBuffer.wrap(bytes, start, bytes.length - start).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) {
            v[i] = f4 ? data.getFloat() : (float) data.getDouble();
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }
}
