package io.github.scoresde.cpu;

import io.github.scoresde.core.kernels.NarrowConvTest;

/** The narrow-convolution tests of scoresde-core on this module's Vector API kernels. */
class VectorNarrowConvTest extends NarrowConvTest {

    @Override
    protected boolean expectProvider() {
        return true;
    }
}
