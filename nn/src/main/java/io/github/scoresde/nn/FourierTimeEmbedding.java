package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gaussian Fourier features of time (Tancik et al. 2020; Song et al. 2021): with fixed random
 * frequencies W ~ N(0, scale^2), emb(t) = [sin(2 pi W t), cos(2 pi W t)], 2m values per example.
 * The frequencies are not trained; they are computed outside the network (the cheapest of the
 * options DL4J offers) and saved with the model.
 */
public final class FourierTimeEmbedding {
    private final double[] frequencies;

    /** @param frequencies the frequencies W (finite), copied */
    public FourierTimeEmbedding(double[] frequencies) {
        Checks.notNull("frequencies", frequencies);
        if (frequencies.length == 0) {
            throw new IllegalArgumentException("frequencies must hold at least one value");
        }
        for (int i = 0; i < frequencies.length; i++) {
            Checks.finite("frequencies[" + i + "]", frequencies[i]);
        }
        this.frequencies = frequencies.clone();
    }

    /** m frequencies drawn from N(0, scale^2) with the given seed. */
    public static FourierTimeEmbedding random(int m, double scale, long seed) {
        Checks.positive("m", m);
        Checks.positive("scale", scale);
        double[] w = new double[m];
        RandomSource.of(seed).stream(0xF0F0).fillGaussian(w, 0, 1, m);
        for (int i = 0; i < m; i++) {
            w[i] *= scale;
        }
        return new FourierTimeEmbedding(w);
    }

    /** A copy of the frequencies W. */
    public double[] frequencies() {
        return frequencies.clone();
    }

    /** The number of features, 2m. */
    public int size() {
        return 2 * frequencies.length;
    }

    /**
     * @param t times {@code [batch]}
     * @param type the data type of the result
     * @return {@code [batch, 2m]}: sines then cosines
     */
    public INDArray embed(INDArray t, DataType type) {
        double[] tv = t.castTo(DataType.DOUBLE).toDoubleVector();
        double[] out = new double[tv.length * size()];
        for (int b = 0; b < tv.length; b++) {
            if (b > 0 && tv[b] == tv[b - 1]) {
                System.arraycopy(out, (b - 1) * size(), out, b * size(), size());
            } else {
                fill(tv[b], out, b * size());
            }
        }
        return Nd4j.createFromArray(out).reshape(tv.length, size()).castTo(type);
    }

    /** As {@link #fill(double, double[], int)}, stored as float32 (vectorised where available). */
    public void fill(double t, float[] out, int offset) {
        io.github.scoresde.core.kernels.Kernels.sinCos(2 * Math.PI * t, frequencies, out, offset,
                offset + frequencies.length);
    }

    /**
     * Writes emb(t) into {@code out[offset .. offset + 2m)}: sin(2 pi W_i t) for i &lt; m, then
     * cos(2 pi W_i t).
     */
    public void fill(double t, double[] out, int offset) {
        int m = frequencies.length;
        for (int i = 0; i < m; i++) {
            double a = 2 * Math.PI * frequencies[i] * t;
            out[offset + i] = Math.sin(a);
            out[offset + m + i] = Math.cos(a);
        }
    }
}
