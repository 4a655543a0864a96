package io.github.scoresde.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.kernels.KernelsTest;
import org.junit.jupiter.api.Test;

/**
 * Every kernel test of scoresde-core, run again with this module on the class path: the kernels now
 * come from {@link CpuKernelProvider} (surefire starts the JVM with {@code --add-modules
 * jdk.incubator.vector}), and must give ND4J's results. Plus the approximation the vector SiLU
 * relies on.
 */
class VectorKernelsTest extends KernelsTest {

    @Override
    protected boolean expectProvider() {
        return true;
    }

    @Test
    public void theRationalTanhOfTheSiluKernelIsAccurateOnTheWholeLine() {
        // in float32 arithmetic, as the kernel evaluates it (Horner in x^2, clamped argument)
        double worst = 0;
        for (int i = -400_000; i <= 400_000; i++) {
            float x = i * 3e-5f;
            float c = Math.max(-VectorKernels.TANH_CLAMP, Math.min(VectorKernels.TANH_CLAMP, x));
            float c2 = c * c;
            float[] a = VectorKernels.TANH_A;
            float[] b = VectorKernels.TANH_B;
            float num = a[6];
            for (int k = 5; k >= 0; k--) {
                num = Math.fma(c2, num, a[k]);
            }
            num *= c;
            float den = b[3];
            for (int k = 2; k >= 0; k--) {
                den = Math.fma(c2, den, b[k]);
            }
            worst = Math.max(worst, Math.abs(num / den - Math.tanh(x)));
        }
        assertTrue(worst < 4e-7, "max abs error of tanh " + worst);
    }

}
