package io.github.scoresde.cpu;

import io.github.scoresde.core.kernels.MatrixProductsTest;

/** The matrix product tests of scoresde-core with OpenBLAS called directly through this module. */
class VectorMatrixProductsTest extends MatrixProductsTest {

    @Override
    protected boolean expectProvider() {
        return true;
    }
}
