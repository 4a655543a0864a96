package io.github.scoresde.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class NdArraysTest {

    @Test
    void bulkCopiesKeepValuesShapeAndOrder() {
        float[] f = {1.5f, -2, 3, 4.25f, 5, 6};
        INDArray a = NdArrays.floats(f, 2, 3);
        assertEquals(DataType.FLOAT, a.dataType());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertEquals(4.25f, a.getFloat(1, 0));
        assertEquals(-2f, a.getFloat(0, 1));
        double[] d = {0.1, 0.2, 0.3, 1e-300};
        INDArray b = NdArrays.of(d, DataType.DOUBLE, 4);
        assertEquals(DataType.DOUBLE, b.dataType());
        assertArrayEquals(d, b.toDoubleVector());
        INDArray c = NdArrays.of(d, DataType.FLOAT, 2, 2);
        assertEquals(DataType.FLOAT, c.dataType());
        assertEquals(0.3f, c.getFloat(1, 0));
        assertEquals(0f, c.getFloat(1, 1));
        assertEquals(0, NdArrays.floats(new float[0], 0, 2).length());
    }

    @Test
    void toDoublesAndToFloatsReadEveryLayoutInRowMajorOrder() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray c = org.nd4j.linalg.factory.Nd4j.linspace(1, 60, 60, type).reshape('c', 12, 5);
            INDArray[] cases = {c, c.dup('f'), c.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 8)),
                    c.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)),
                    c.getRow(4), c.getColumn(2), c.dup('f').getRow(7), c.reshape(60)};
            for (INDArray a : cases) {
                double[] expected = new double[(int) a.length()];
                INDArray flat = a.dup('c').reshape(a.length());
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = flat.getDouble(i);
                }
                assertArrayEquals(expected, NdArrays.toDoubles(a), 0, type + " " + java.util.Arrays.toString(a.shape())
                        + " order " + a.ordering() + " view " + a.isView());
                float[] expectedFloats = new float[expected.length];
                for (int i = 0; i < expected.length; i++) {
                    expectedFloats[i] = (float) expected[i];
                }
                assertArrayEquals(expectedFloats, NdArrays.toFloats(a), 0, "toFloats " + type + " "
                        + java.util.Arrays.toString(a.shape()) + " order " + a.ordering() + " view " + a.isView());
            }
        }
    }

    @Test
    void rejectsAShapeOfAnotherSize() {
        assertThrows(IllegalArgumentException.class, () -> NdArrays.floats(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> NdArrays.of(new double[4], DataType.DOUBLE, 3));
    }

    @Test
    void releaseFreesOwnedArraysAndLeavesViewsAndNullAlone() {
        INDArray owned = NdArrays.of(new double[] {1, 2, 3, 4, 5, 6}, DataType.DOUBLE, 2, 3);
        INDArray other = NdArrays.of(new double[] {7, 8}, DataType.DOUBLE, 2);
        INDArray view = other.reshape(1, 2);
        INDArray row = owned.getRow(1);
        NdArrays.release(row, view, null);
        // views release nothing: their arrays are intact
        assertEquals(5.0, owned.getDouble(1, 1));
        assertEquals(8.0, other.getDouble(1));
        NdArrays.release(owned, owned);
        assertEquals(true, owned.wasClosed());
        assertThrows(IllegalStateException.class, () -> owned.sumNumber());
        assertEquals(false, other.wasClosed());
        // survivors are spared, whatever else is listed (twice, or null)
        INDArray kept = NdArrays.of(new double[] {1, 2}, DataType.DOUBLE, 2);
        INDArray dead = NdArrays.of(new double[] {3, 4}, DataType.DOUBLE, 2);
        NdArrays.releaseExcept(new INDArray[] {kept, null}, dead, kept, dead, null);
        assertEquals(true, dead.wasClosed());
        assertEquals(false, kept.wasClosed());
        assertEquals(2.0, kept.getDouble(1));
    }

    @Test
    void scratchBuffersAreFilledAndReadByPrefix() {
        double[] buffer = new double[8];
        java.util.Arrays.fill(buffer, -7);
        INDArray c = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});
        // row-major values into the buffer's first slots, the rest untouched; a column-major copy too
        for (INDArray a : new INDArray[] {c, c.dup('f'), c.castTo(DataType.FLOAT)}) {
            double[] out = NdArrays.toDoubles(a, buffer);
            assertEquals(buffer, out);
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, -7, -7}, buffer);
        }
        // a buffer too small: a new array
        double[] small = new double[3];
        double[] out = NdArrays.toDoubles(c, small);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, out);
        assertArrayEquals(new double[3], small);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray p = NdArrays.ofPrefix(buffer, type, 3, 2);
            assertEquals(type, p.dataType());
            assertEquals(4.0, p.getDouble(1, 1));
            assertEquals(6.0, p.getDouble(2, 1));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NdArrays.ofPrefix(buffer, DataType.DOUBLE, 3, 3));
        assertTrue(e.getMessage().contains("holds 9 values; the buffer has 8"), e.getMessage());
    }

    @Test
    void floatScratchBuffersAreFilledAndReadByPrefix() {
        float[] buffer = new float[8];
        java.util.Arrays.fill(buffer, -7);
        INDArray c = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        for (INDArray a : new INDArray[] {c, c.dup('f'), c.castTo(DataType.DOUBLE)}) {
            float[] out = NdArrays.toFloats(a, buffer);
            assertEquals(buffer, out);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, -7, -7}, buffer);
        }
        float[] small = new float[3];
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, NdArrays.toFloats(c, small));
        assertArrayEquals(new float[3], small);
        INDArray p = NdArrays.floatsPrefix(buffer, 3, 2);
        assertEquals(DataType.FLOAT, p.dataType());
        assertArrayEquals(new long[] {3, 2}, p.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, NdArrays.toFloats(p));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NdArrays.floatsPrefix(buffer, 3, 3));
        assertTrue(e.getMessage().contains("holds 9 values; the buffer has 8"), e.getMessage());
    }

    @Test
    void writeFillsAContiguousViewAndNothingElse() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT, DataType.HALF}) {
            INDArray whole = org.nd4j.linalg.factory.Nd4j.zeros(type, 10);
            INDArray tail = whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 10));
            assertEquals(tail, NdArrays.write(tail, new double[] {1, 2, 3, 4}));
            assertArrayEquals(new double[] {0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, whole.toDoubleVector(), 1e-12, type.toString());
            // a column-major matrix is written in row-major order through ND4J
            INDArray f = org.nd4j.linalg.factory.Nd4j.zeros(type, 2, 2).dup('f');
            NdArrays.write(f, new double[] {1, 2, 3, 4});
            assertEquals(2.0, f.getDouble(0, 1));
            assertEquals(3.0, f.getDouble(1, 0));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NdArrays.write(org.nd4j.linalg.factory.Nd4j.zeros(3), new double[] {1, 2}));
        assertTrue(e.getMessage().contains("holds 3 values; got 2"), e.getMessage());
    }
}
