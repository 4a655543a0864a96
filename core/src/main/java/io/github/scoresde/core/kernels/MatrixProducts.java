package io.github.scoresde.core.kernels;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products through the backend's BLAS called directly, where the kernel provider of
 * {@link Kernels} serves (scoresde-cpu: OpenBLAS's {@code cblas_sgemm}, the library nd4j-native
 * itself runs on), else through {@code Nd4j.gemm}: the same results either way.
 */
public final class MatrixProducts {
    private MatrixProducts() {
    }

    /**
     * c = op(a) op(b) for float32 matrices, op the transpose where asked (as
     * {@code Nd4j.gemm(a, b, c, transA, transB, 1, 0)}): the backend's BLAS called directly where
     * the kernels serve, without a libnd4j op around it (10-20 us less per call, most of a small
     * product's time), else {@code Nd4j.gemm}. Each matrix may be any 2-D array whose rows or whose
     * columns are dense (row-major, column-major, or such a view).
     *
     * @param c {@code [m, n]}, overwritten
     * @throws IllegalArgumentException when the shapes do not multiply into c's
     */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
        Matrix ma = Matrix.of(a);
        Matrix mb = Matrix.of(b);
        Matrix mc = Matrix.of(c);
        if (ma == null || mb == null || mc == null) {
            checkProduct(a, b, c, transA, transB);
            if (c.isView()) { // Nd4j.gemm writes only whole arrays
                INDArray whole = Nd4j.createUninitialized(c.dataType(), c.shape(), 'f');
                Nd4j.gemm(a, b, whole, transA, transB, 1.0, 0.0);
                c.assign(whole);
            } else {
                Nd4j.gemm(a, b, c, transA, transB, 1.0, 0.0);
            }
            return;
        }
        Matrix left = transA ? ma.transposed() : ma;
        Matrix right = transB ? mb.transposed() : mb;
        if (left.cols != right.rows || left.rows != mc.rows || right.cols != mc.cols) {
            checkProduct(a, b, c, transA, transB);
        }
        if (!mc.columnMajor) { // c^T = op(b)^T op(a)^T, with c^T column-major
            Matrix swap = left;
            left = right.transposed();
            right = swap.transposed();
            mc = mc.transposed();
        }
        // BLAS's column-major convention: a row-major operand is the transpose of a column-major one
        Kernels.vectorOps().sgemm(!left.columnMajor, !right.columnMajor, (int) mc.rows, (int) mc.cols,
                (int) left.cols, left.array, left.ld, right.array, right.ld, mc.array, mc.ld);
        Kernels.keepAlive(a, b, c);
    }

    private static void checkProduct(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.size(transA ? 0 : 1) != b.size(transB ? 1 : 0)
                || c.rows() != a.size(transA ? 1 : 0) || c.columns() != b.size(transB ? 0 : 1)) {
            throw new IllegalArgumentException("cannot multiply " + Arrays.toString(a.shape()) + (transA ? "^T" : "")
                    + " by " + Arrays.toString(b.shape()) + (transB ? "^T" : "") + " into " + Arrays.toString(c.shape()));
        }
    }

    /**
     * A float32 matrix as BLAS reads it: logical rows x cols, stored column-major or row-major with
     * leading dimension ld; the transpose is the same memory read the other way.
     */
    private record Matrix(INDArray array, long rows, long cols, boolean columnMajor, int ld) {
        /** The array's matrix, or null where BLAS cannot read it in place (or the kernels do not serve). */
        static Matrix of(INDArray x) {
            if (Kernels.vectorOps() == null || x.rank() != 2 || x.dataType() != DataType.FLOAT || x.length() == 0
                    || x.length() > Integer.MAX_VALUE) {
                return null;
            }
            long r = x.rows();
            long c = x.columns();
            if ((x.ordering() == 'f' || c == 1) && x.stride(0) == 1) {
                return new Matrix(x, r, c, true, (int) Math.max(r, c == 1 ? r : x.stride(1)));
            }
            if ((x.ordering() == 'c' || r == 1) && x.stride(1) == 1) {
                return new Matrix(x, r, c, false, (int) Math.max(c, r == 1 ? c : x.stride(0)));
            }
            return null;
        }

        Matrix transposed() {
            return new Matrix(array, cols, rows, !columnMajor, ld);
        }
    }
}
