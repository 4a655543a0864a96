package io.github.scoresde.training.data;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

class DataTest {

    @Test
    void toySetsHaveTheirSupportAndAreDeterministic() {
        for (ToyData data : ToyData.values()) {
            String name = data.id();
            assertEquals(data, ToyData.fromId(name));
            DataSource s = data.source();
            INDArray a = s.batch(2000, RandomSource.of(1));
            assertEquals(a, s.batch(2000, RandomSource.of(1)), name);
            assertEquals(s.dimension(), a.size(1));
            assertTrue(a.norm2(1).maxNumber().doubleValue() < (name.equals("gmm-64") ? 40 : 4), name);
        }
        INDArray c = ToyDatasets.checkerboard().batch(4000, RandomSource.of(2));
        int[] perCell = new int[16];
        for (int i = 0; i < 4000; i++) {
            double x = c.getDouble(i, 0);
            double y = c.getDouble(i, 1);
            assertTrue(x >= -2 && x < 2 && y >= -2 && y < 2);
            int ci = (int) Math.floor(x + 2);
            int cj = (int) Math.floor(y + 2);
            assertEquals(0, (ci + cj) % 2, "point on a light square: " + x + ", " + y);
            perCell[ci * 4 + cj]++;
        }
        for (int k = 0; k < 16; k++) {
            if ((k / 4 + k % 4) % 2 == 0) {
                // 4000 / 8 = 500 per dark cell, binomial sd 21
                assertEquals(500, perCell[k], 5 * 21, "cell " + k);
            }
        }
        assertRejects(() -> ToyData.fromId("spiral"), "Unknown data set \"spiral\"", "checkerboard", "swiss-roll");
    }

    @Test
    void csvWithOrWithoutHeaderIsRead(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, "x,y\n1,2\n\n3.5,-4\n");
        CsvDataSource s = CsvDataSource.read(f);
        assertEquals(2, s.rows());
        assertEquals(2, s.dimension());
        assertEquals(Nd4j.createFromArray(new float[][] {{1, 2}, {3.5f, -4}}), s.all());
        CsvDataSource noHeader = CsvDataSource.parse("mem", new BufferedReader(new StringReader("1,2,3\n4,5,6\n")));
        assertEquals(3, noHeader.dimension());
        INDArray b = noHeader.batch(100, RandomSource.of(3));
        for (int i = 0; i < 100; i++) {
            double first = b.getDouble(i, 0);
            assertTrue(first == 1 || first == 4);
        }
    }

    @Test
    void badCsvFailsWithTheLineNumber(@TempDir Path dir) throws IOException {
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("1,2\n3,4\n5\n"))),
                "d.csv line 3: expected 2 values, got 1");
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("a,b\n1,2\n3,x\n"))),
                "d.csv line 3, column 2: not a number: \"x\"");
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("1,NaN\n"))),
                "line 1, column 2: not a finite number");
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("a,b\n"))),
                "no data rows");
        assertRejects(() -> CsvDataSource.read(dir.resolve("missing.csv")), "missing.csv: no such file");
        // no silent loss or change of data: suffixed numbers, values beyond float32
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("1,2\n1.0f,3\n"))),
                "d.csv line 2, column 1: not a number: \"1.0f\"");
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("1.0f,2\n3,4\n"))),
                "d.csv line 1, column 1: not a number: \"1.0f\"");
        assertRejects(() -> CsvDataSource.parse("d.csv", new BufferedReader(new StringReader("1,1e39\n"))),
                "d.csv line 1, column 2: 1e39 is beyond the float32 range");
    }

    /** A UTF-8 byte-order mark before a headerless first row does not turn that row into a header. */
    @Test
    void aByteOrderMarkDoesNotLoseTheFirstRow(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bom.csv");
        Files.write(f, ("\uFEFF" + "1.5,2\n3,4\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CsvDataSource d = CsvDataSource.read(f);
        assertEquals(2, d.rows());
        assertEquals(1.5, d.all().getDouble(0, 0), 0);
        Files.write(f, ("\uFEFF" + "x,y\n3,4\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(1, CsvDataSource.read(f).rows());
    }

    @Test
    void scalersRoundTripAndStandardise() {
        INDArray x = ToyData.MOONS.source().batch(5000, RandomSource.of(4));
        for (DataScaler.Kind kind : DataScaler.Kind.values()) {
            DataScaler s = DataScaler.fit(kind, x);
            INDArray y = s.transform(x);
            assertClose(x, s.inverse(y), 1e-5, 1e-5);
            DataScaler back = DataScaler.fromText(s.toText());
            assertEquals(s.toText(), back.toText());
            if (kind == DataScaler.Kind.STANDARDIZE) {
                assertClose(new double[] {0, 0}, y.mean(0).toDoubleVector(), 0, 1e-4);
                assertClose(new double[] {1, 1}, y.std(0).toDoubleVector(), 0, 1e-3);
            } else if (kind == DataScaler.Kind.MIN_MAX) {
                assertEquals(-1, y.minNumber().doubleValue(), 1e-6);
                assertEquals(1, y.maxNumber().doubleValue(), 1e-6);
            }
        }
        assertRejects(() -> DataScaler.fit(DataScaler.Kind.STANDARDIZE, Nd4j.ones(10, 2)), "column 0", "constant");
        assertRejects(() -> DataScaler.fromText("STANDARDIZE;1,2"), "malformed scaler");
    }

    @Test
    void anyDl4jIteratorIsASource() {
        INDArray features = Nd4j.linspace(1, 20, 20).reshape(10, 2);
        DataSetIterator it = new SingletonDataSetIterator(new DataSet(features, Nd4j.zeros(10, 1)));
        IteratorDataSource s = new IteratorDataSource(it);
        assertEquals(2, s.dimension());
        INDArray b = s.batch(15, RandomSource.of(0));
        assertEquals(15, b.size(0));
        assertEquals(1.0, b.getDouble(0, 0), 0);
        assertEquals(1.0, b.getDouble(10, 0), 0, "wraps around to the start");
    }
}
