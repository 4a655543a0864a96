package io.github.scoresde.training.data;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Users' own vectors from a CSV file: one example per line, comma-separated decimal numbers (Java
 * or C float suffixes such as {@code 1.0f} are refused), an optional header line (detected when
 * none of its fields is a number), blank lines ignored, a UTF-8 byte-order mark skipped. Every
 * value must be finite in float32, the precision it is stored in. Batches draw rows uniformly with
 * replacement, keyed by the source of randomness.
 */
public final class CsvDataSource implements DataSource {
    private final String name;
    private final float[] values;
    private final int rows;
    private final int dimension;

    private CsvDataSource(String name, float[] values, int rows, int dimension) {
        this.name = name;
        this.values = values;
        this.rows = rows;
        this.dimension = dimension;
    }

    /**
     * Reads a file.
     *
     * @throws IllegalArgumentException for a missing file, a ragged row or a field that is not a
     *     finite number, with the line number
     */
    public static CsvDataSource read(Path file) {
        Checks.notNull("file", file);
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(file.toString(), r);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses CSV text (for tests and in-memory data); {@code name} appears in messages. */
    public static CsvDataSource parse(String name, BufferedReader reader) throws IOException {
        List<float[]> data = new ArrayList<>();
        int dim = -1;
        String line;
        int lineNo = 0;
        boolean first = true;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1); // a UTF-8 byte-order mark is not part of the first field
            }
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (first) {
                first = false;
                if (java.util.Arrays.stream(fields).noneMatch(f -> isNumber(f.trim()))) {
                    dim = fields.length;
                    continue; // a header: no field is a number
                }
            }
            if (dim < 0) {
                dim = fields.length;
            } else if (fields.length != dim) {
                throw new IllegalArgumentException(name + " line " + lineNo + ": expected " + dim + " values, got "
                        + fields.length);
            }
            float[] row = new float[dim];
            for (int j = 0; j < dim; j++) {
                String f = fields[j].trim();
                if (!isNumber(f)) {
                    throw new IllegalArgumentException(name + " line " + lineNo + ", column " + (j + 1)
                            + ": not a number: \"" + f + "\"");
                }
                double v = Double.parseDouble(f);
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(name + " line " + lineNo + ", column " + (j + 1)
                            + ": not a finite number: \"" + f + "\"");
                }
                if (!Float.isFinite((float) v)) {
                    throw new IllegalArgumentException(name + " line " + lineNo + ", column " + (j + 1)
                            + ": " + f + " is beyond the float32 range (about 3.4e38) the data is stored in");
                }
                row[j] = (float) v;
            }
            data.add(row);
        }
        if (data.isEmpty()) {
            throw new IllegalArgumentException(name + ": no data rows");
        }
        float[] values = new float[data.size() * dim];
        for (int i = 0; i < data.size(); i++) {
            System.arraycopy(data.get(i), 0, values, i * dim, dim);
        }
        return new CsvDataSource(name, values, data.size(), dim);
    }

    /** A plain decimal number (sign, digits, point, exponent; NaN and Infinity spelled out), no suffix. */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "[+-]?((\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|NaN|Infinity)");

    private static boolean isNumber(String s) {
        return NUMBER.matcher(s).matches();
    }

    /** The number of rows. */
    public int rows() {
        return rows;
    }

    /** All rows, {@code [rows, d]} float32. */
    public INDArray all() {
        return Nd4j.createFromArray(values.clone()).reshape(rows, dimension);
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public INDArray batch(int n, RandomSource rng) {
        Checks.positive("n", n);
        float[] out = new float[n * dimension];
        for (int b = 0; b < n; b++) {
            int row = (int) Math.min(rows - 1, Math.floor(rows * rng.uniform(b, 0)));
            System.arraycopy(values, row * dimension, out, b * dimension, dimension);
        }
        return Nd4j.createFromArray(out).reshape(n, dimension);
    }

    @Override
    public String name() {
        return name;
    }
}
