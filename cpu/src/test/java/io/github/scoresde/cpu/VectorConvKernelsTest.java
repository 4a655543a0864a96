package io.github.scoresde.cpu;

import io.github.scoresde.core.kernels.ConvKernelsTest;

/** The U-Net kernel tests of scoresde-core on this module's Vector API kernels. */
class VectorConvKernelsTest extends ConvKernelsTest {

    @Override
    protected boolean expectProvider() {
        return true;
    }
}
