package io.github.scoresde.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link MatrixProducts} against ND4J's own product: here through {@code Nd4j.gemm}, and through
 * scoresde-cpu's subclass with OpenBLAS called directly.
 */
public class MatrixProductsTest {

    /** Whether this run has a kernel provider (see {@link KernelsTest#expectProvider()}). */
    protected boolean expectProvider() {
        return false;
    }

    @Test
    public void theDirectPathServesOnlyWithAProvider() {
        assertEquals(expectProvider(), Kernels.vectorized());
    }

    @Test
    public void gemmEqualsNd4jGemmForEveryLayoutTransposeAndView() {
        // m x k times k x n, every operand row-major, column-major, or a view with an offset and a
        // leading dimension larger than its width (columns of a wider matrix, rows of a taller one)
        int m = 7;
        int k = 5;
        int n = 3;
        int seed = 0;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int la = 0; la < 3; la++) {
                    for (int lb = 0; lb < 3; lb++) {
                        for (int lc = 0; lc < 3; lc++) {
                            INDArray a = operand(++seed, la, ta ? k : m, ta ? m : k);
                            INDArray b = operand(++seed, lb, tb ? n : k, tb ? k : n);
                            INDArray c = operand(++seed, lc, m, n);
                            INDArray expected = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, n}, 'c');
                            Nd4j.gemm(a, b, expected, ta, tb, 1.0, 0.0);
                            MatrixProducts.gemm(a, b, c, ta, tb);
                            String what = "transposes " + ta + "/" + tb + ", layouts " + la + lb + lc;
                            assertTrue(expected.equalsWithEps(c, 1e-5), what + ": " + expected + " vs " + c);
                        }
                    }
                }
            }
        }
        // one-row and one-column products (a bias-sized output, an outer product)
        INDArray row = KernelsTest.gaussian(1, DataType.FLOAT, 'c', 1, 6, 1);
        INDArray col = KernelsTest.gaussian(2, DataType.FLOAT, 'f', 6, 1, 1);
        INDArray outer = Nd4j.createUninitialized(DataType.FLOAT, new long[] {6, 6}, 'f');
        MatrixProducts.gemm(col, row, outer, false, false);
        assertTrue(col.mmul(row).equalsWithEps(outer, 1e-6));
        INDArray dot = Nd4j.createUninitialized(DataType.FLOAT, new long[] {1, 1}, 'c');
        MatrixProducts.gemm(row, col, dot, false, false);
        assertEquals(row.mmul(col).getDouble(0), dot.getDouble(0), 1e-5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatrixProducts.gemm(row, row, dot, false, false));
        assertTrue(e.getMessage().contains("cannot multiply [1, 6] by [1, 6]"), e.getMessage());
    }

    /** A rows x cols float32 operand: 0 row-major, 1 column-major, 2 a column-major view inside a larger array. */
    private static INDArray operand(long seed, int layout, long rows, long cols) {
        if (layout == 2) {
            INDArray big = KernelsTest.gaussian(seed, DataType.FLOAT, 'f', rows + 3, cols + 2, 1);
            return big.get(NDArrayIndex.interval(2, 2 + rows), NDArrayIndex.interval(1, 1 + cols));
        }
        return KernelsTest.gaussian(seed, DataType.FLOAT, layout == 0 ? 'c' : 'f', rows, cols, 1);
    }
}
