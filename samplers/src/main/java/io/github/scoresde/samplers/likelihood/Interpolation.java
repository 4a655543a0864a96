package io.github.scoresde.samplers.likelihood;

import io.github.scoresde.core.Checks;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Interpolation between latent codes. Latents of the probability-flow ODE follow the prior
 * N(0, v I), whose mass lies on a thin shell: straight lines between two codes pass through the
 * low-norm interior, so interpolation is spherical (slerp; Shoemake 1985).
 */
public final class Interpolation {
    private Interpolation() {
    }

    /**
     * slerp(a, b; w) = sin((1 - w) theta) / sin(theta) a + sin(w theta) / sin(theta) b per example,
     * theta the angle between a_b and b_b (linear interpolation when they are parallel).
     *
     * @param a codes {@code [batch, ...]}
     * @param b codes of the same shape
     * @param w the fraction from a (w = 0) to b (w = 1)
     */
    public static INDArray slerp(INDArray a, INDArray b, double w) {
        Checks.notNull("a", a);
        Checks.notNull("b", b);
        Checks.finite("w", w);
        if (!Arrays.equals(a.shape(), b.shape()) || a.rank() < 2) {
            throw new IllegalArgumentException("a and b must have the same shape [batch, ...]; got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
        int batch = (int) a.size(0);
        INDArray fa = a.reshape(batch, -1);
        INDArray fb = b.reshape(batch, -1).castTo(a.dataType());
        double[] na = fa.norm2(1).toDoubleVector();
        double[] nb = fb.norm2(1).toDoubleVector();
        double[] dot = fa.mul(fb).sum(1).toDoubleVector();
        INDArray out = fa.dup();
        for (int i = 0; i < batch; i++) {
            double cos = Math.max(-1, Math.min(1, dot[i] / (na[i] * nb[i])));
            double theta = Math.acos(cos);
            double ca;
            double cb;
            if (theta < 1e-7 || na[i] == 0 || nb[i] == 0) {
                ca = 1 - w;
                cb = w;
            } else {
                ca = Math.sin((1 - w) * theta) / Math.sin(theta);
                cb = Math.sin(w * theta) / Math.sin(theta);
            }
            out.getRow(i).assign(fa.getRow(i).mul(ca).addi(fb.getRow(i).mul(cb)));
        }
        return out.reshape(a.shape());
    }
}
