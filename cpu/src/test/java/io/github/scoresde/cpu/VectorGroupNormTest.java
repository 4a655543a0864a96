package io.github.scoresde.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.kernels.GroupNormSiluTest;
import io.github.scoresde.core.kernels.Kernels;
import org.junit.jupiter.api.Test;

/** The GroupNorm + SiLU tests of scoresde-core on this module's Vector API kernel (float32 cases). */
class VectorGroupNormTest extends GroupNormSiluTest {

    @Test
    public void theVectorKernelServes() {
        assertTrue(Kernels.vectorized());
    }
}
