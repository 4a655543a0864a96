package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Colorization (Song et al. 2021, Appendix I; docs/math.md section 9): samples of k pixels x 3 channels
 * (flattened pixel-major: r0, g0, b0, r1, ...) given each pixel's grey value (the mean of its
 * channels). Inpainting in the orthogonal per-pixel basis that separates grey from colour:
 * w1 = (1, 1, 1) / sqrt 3 (grey: u1 = sqrt 3 * grey), w2 = (1, -1, 0) / sqrt 2,
 * w3 = (1, 1, -2) / sqrt 6; the first coordinate of each pixel is observed.
 */
public final class Colorization extends Inpainting {

    private Colorization(INDArray mask, INDArray observed, INDArray basis) {
        super(mask, observed, basis);
    }

    /**
     * @param grey the grey value of each pixel: {@code [k]} for one image, or {@code [n, k]} per sample
     */
    public static Colorization of(INDArray grey) {
        Checks.notNull("grey", grey);
        if (grey.rank() < 1 || grey.rank() > 2) {
            throw new IllegalArgumentException("grey must be [k] or [n, k]; got " + java.util.Arrays.toString(grey.shape()));
        }
        int k = (int) (grey.rank() == 1 ? grey.length() : grey.size(1));
        int d = 3 * k;
        INDArray w = basis(k);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, d);
        for (int p = 0; p < k; p++) {
            mask.putScalar(3L * p, 1);
        }
        long n = grey.rank() == 1 ? 1 : grey.size(0);
        INDArray observed = Nd4j.zeros(DataType.FLOAT, n, d);
        INDArray g = grey.castTo(DataType.FLOAT).reshape(n, k).mul(Math.sqrt(3));
        for (int p = 0; p < k; p++) {
            observed.getColumn(3L * p).assign(g.getColumn(p));
        }
        return new Colorization(mask, grey.rank() == 1 ? observed.reshape(d) : observed, w);
    }

    /** The [3k, 3k] block-diagonal orthogonal basis W (columns: grey, then two colour directions per pixel). */
    public static INDArray basis(int k) {
        Checks.positive("k", k);
        double a = 1 / Math.sqrt(3);
        double b = 1 / Math.sqrt(2);
        double c = 1 / Math.sqrt(6);
        double[][] block = {{a, b, c}, {a, -b, c}, {a, 0, -2 * c}};
        INDArray w = Nd4j.zeros(DataType.DOUBLE, 3L * k, 3L * k);
        for (int p = 0; p < k; p++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    w.putScalar(3L * p + i, 3L * p + j, block[i][j]);
                }
            }
        }
        return w;
    }
}
