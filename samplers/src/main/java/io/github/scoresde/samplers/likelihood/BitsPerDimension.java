package io.github.scoresde.samplers.likelihood;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bits per dimension of 8-bit data (images: D values k in {0, ..., 255}) under a score model of
 * continuous data y in [-1, 1]^D, written as named steps (docs/math.md section 8).
 *
 * <p>Derivation. A continuous density p_x on [0, 1]^D defines a discrete model of k by the mass of
 * the cube [k/256, (k+1)/256)^D, and by Jensen's inequality
 * ln P(k) &gt;= E_u[ln p_x((k + u) / 256)] - D ln 256 with u ~ U[0, 1)^D (uniform dequantisation,
 * Theis et al. 2016). The model is trained on y = 2x - 1 ({@link #toModelSpace}), whose density
 * satisfies ln p_x(x) = ln p_y(2x - 1) + D ln 2 ({@link #logJacobian}). In bits per dimension the
 * bound is therefore
 * <pre>bpd = -E_u[ln p_y(y)] / (D ln 2) - 1 + 8,</pre>
 * where -1 is the Jacobian's D ln 2 divided by D ln 2 and +8 is ln 256 / ln 2: the "magic offset"
 * of the reference code, which the steps here make explicit. Each example is dequantised
 * {@code repeats} times and the estimates averaged.
 */
public final class BitsPerDimension {
    /** Quantisation levels of 8-bit data. */
    public static final int LEVELS = 256;

    private BitsPerDimension() {
    }

    /**
     * Step 1, uniform dequantisation: x = (k + u) / 256 with u ~ U[0, 1) per value, keyed by
     * example index (example b uses index {@code firstIndex + b}).
     *
     * @param levels integer levels k in [0, 255], {@code [batch, ...]}
     */
    public static INDArray dequantize(INDArray levels, RandomSource rng, long firstIndex) {
        checkLevels(levels);
        int batch = (int) levels.size(0);
        long[] rowShape = java.util.Arrays.copyOfRange(levels.shape(), 1, levels.rank());
        INDArray u = rng.uniform(DataType.DOUBLE, firstIndex, batch, rowShape);
        return levels.castTo(DataType.DOUBLE).add(u).divi(LEVELS);
    }

    /** Step 2, the model's coordinates: y = 2x - 1 maps [0, 1] to [-1, 1]. */
    public static INDArray toModelSpace(INDArray x) {
        return x.mul(2).subi(1);
    }

    /** ln |det dy/dx| of y = 2x - 1 for D values: D ln 2. */
    public static double logJacobian(long dimensions) {
        return dimensions * Math.log(2);
    }

    /** Step 3: the bound in bits per dimension from ln p_y(y) of one dequantised example. */
    public static double fromModelLogDensity(double logDensityY, long dimensions) {
        return fromPixelLogDensity(logDensityY + logJacobian(dimensions), dimensions);
    }

    /**
     * The bound in bits per dimension from ln p_x(x) of one dequantised example x = (k + u) / 256
     * in [0, 1]^D, whatever space the model works in (add that map's log-Jacobian to the model's
     * log-density first): -ln p_x / (D ln 2) + 8.
     */
    public static double fromPixelLogDensity(double logDensityX, long dimensions) {
        return -logDensityX / (dimensions * Math.log(2)) + Math.log(LEVELS) / Math.log(2);
    }

    /**
     * Bits per dimension of each example, averaged over {@code repeats} dequantisations, with the
     * log-density of the model computed by {@code likelihood}.
     *
     * @param levels integer levels in [0, 255], {@code [batch, sampleShape...]}
     * @return per-example bits per dimension
     */
    public static double[] estimate(Likelihood likelihood, Sde sde, ScoreFunction score, INDArray levels,
            int repeats, RandomSource rng) {
        Checks.notNull("likelihood", likelihood);
        Checks.positive("repeats", repeats);
        int batch = Checks.batchOf("levels", levels, score.sampleShape());
        long dim = score.sampleSize();
        double[] out = new double[batch];
        for (int r = 0; r < repeats; r++) {
            INDArray y = toModelSpace(dequantize(levels, rng.stream(r), 0));
            double[] ll = likelihood.logLikelihood(sde, score, y, rng.stream(1000 + r)).logLikelihood();
            for (int b = 0; b < batch; b++) {
                out[b] += fromModelLogDensity(ll[b], dim) / repeats;
            }
        }
        return out;
    }

    private static void checkLevels(INDArray levels) {
        Checks.notNull("levels", levels);
        double[] v = Checks.flat(levels);
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] <= LEVELS - 1) || v[i] != Math.rint(v[i])) {
                throw new IllegalArgumentException("levels must be integers in [0, 255]; got " + v[i]
                        + " at flat index " + i);
            }
        }
    }
}
