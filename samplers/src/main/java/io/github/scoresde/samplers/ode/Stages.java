package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the Runge-Kutta solvers share: stage inputs as one fused pass, derivatives in the state's form. */
final class Stages {
    private Stages() {
    }

    /** out = y + h sum_j a_j k_j, in one fused pass ({@link Kernels#linearCombination}); out may be y. */
    static INDArray combine(INDArray out, INDArray y, double h, double[] a, INDArray... k) {
        for (int j = 0; j < k.length; j++) {
            k[j] = same(k[j], y);
        }
        Kernels.linearCombination(out, y, h, a, k);
        return out;
    }

    /** k in y's data type and shape (a system may return another float type or a reshaped view). */
    static INDArray same(INDArray k, INDArray y) {
        INDArray out = k.dataType() == y.dataType() ? k : k.castTo(y.dataType());
        return java.util.Arrays.equals(out.shape(), y.shape()) ? out : out.reshape(y.shape());
    }
}
