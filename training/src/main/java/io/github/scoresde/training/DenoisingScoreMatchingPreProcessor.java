package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.DenoisingBatch;
import io.github.scoresde.sde.Sde;
import java.io.Serializable;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns a batch of clean data x0 into a denoising score-matching batch (docs/math.md section 7):
 * draws t (and its loss weight) from the {@link LossWeighting}, z ~ N(0, I), and forms
 * x_t = m(t) x0 + s(t) z, the target -z and the weight, as a {@link DenoisingBatch} for any
 * {@link io.github.scoresde.nn.ScoreNetwork}. Works for samples of any shape.
 *
 * <p>The randomness of batch k is {@code rng.stream(k)} with k the <em>global</em> batch index
 * (the training step): resumed training sees the same batches as uninterrupted training, and
 * workers of a distributed trainer that perturb different batches never replay each other's noise.
 * Immutable and {@link Serializable}, so a distributed trainer can ship it to its workers.
 */
public final class DenoisingScoreMatchingPreProcessor implements Serializable {
    private static final long serialVersionUID = 2L;
    private final Sde sde;
    private final LossWeighting weighting;
    private final double timeFloor;
    private final RandomSource rng;
    private final long[] sampleShape;
    private transient LossWeighting.TimeSampler times;

    /**
     * @param sde the SDE defining the perturbation
     * @param sampleShape the shape of one example
     * @param weighting the loss weighting
     * @param timeFloor the smallest training time t_min
     * @param rng the training randomness
     */
    public DenoisingScoreMatchingPreProcessor(Sde sde, long[] sampleShape, LossWeighting weighting,
            double timeFloor, RandomSource rng) {
        this.sde = Checks.notNull("sde", sde);
        this.sampleShape = Checks.notNull("sampleShape", sampleShape).clone();
        this.weighting = Checks.notNull("weighting", weighting);
        this.timeFloor = timeFloor;
        this.rng = Checks.notNull("rng", rng);
        this.times = weighting.sampler(sde, timeFloor);
    }

    private LossWeighting.TimeSampler times() {
        if (times == null) {
            times = weighting.sampler(sde, timeFloor);
        }
        return times;
    }

    /** x_t = m_b x0_b + s_b z_b per example, float32, a new array. */
    static INDArray perturb(INDArray x0, double[] m, double[] s, INDArray z) {
        int n = m.length;
        float[] xt = perturb(NdArrays.toFloats(x0), m, s, NdArrays.toFloats(z), (int) (z.length() / Math.max(1, n)));
        return NdArrays.floats(xt, x0.shape());
    }

    /**
     * x_t = m_b x0_b + s_b z_b per example on row-major float32 values with {@code d} values per
     * example, rounded as float32 products and a float32 sum.
     */
    static float[] perturb(float[] x0, double[] m, double[] s, float[] z, int d) {
        float[] out = new float[x0.length];
        for (int b = 0; b < m.length; b++) {
            float mb = (float) m[b];
            float sb = (float) s[b];
            for (int j = b * d; j < (b + 1) * d; j++) {
                float a = x0[j] * mb;
                float c = z[j] * sb;
                out[j] = a + c;
            }
        }
        return out;
    }

    /** The class index of each row of one-hot labels {@code [n, K]}. */
    static int[] classIndices(INDArray oneHot) {
        if (oneHot.rank() != 2) {
            throw new IllegalArgumentException("labels must be one-hot [batch, classes]; got shape "
                    + Arrays.toString(oneHot.shape()));
        }
        return oneHot.argMax(1).toIntVector();
    }

    /** The perturbed batch of global index {@code k} for clean data {@code x0 [n, sampleShape...]}. */
    public DenoisingBatch perturb(INDArray x0, long k) {
        return perturb(x0, null, 0, k);
    }

    /**
     * The perturbed batch of global index {@code k} for labelled data, for a class-conditional
     * network: each label is replaced by "no label" (-1) with probability {@code labelDropout}, so
     * the network also learns the unconditional score (classifier-free guidance, Ho and Salimans
     * 2021).
     */
    public DenoisingBatch perturb(INDArray x0, int[] labels, double labelDropout, long k) {
        int n = Checks.batchOf("x0", x0, sampleShape);
        int d = (int) (x0.length() / n);
        RandomSource r = rng.stream(k);
        double[] t = new double[n];
        double[] w = new double[n];
        double[] m = new double[n];
        double[] s = new double[n];
        times().draw(r.stream(0), sde, t, w, m, s);
        // in Java arrays: a batch's x_t and targets are a few thousand values, where each ND4J op
        // costs more than the arithmetic
        float[] z = new float[n * d];
        r.stream(1).fillGaussian(z, 0, n, d);
        float[] xt = perturb(NdArrays.toFloats(x0), m, s, z, d);
        int[] y = null;
        if (labels != null) {
            y = labels.clone();
            RandomSource drop = r.stream(3);
            for (int i = 0; i < n; i++) {
                if (drop.uniform(i, 0) < labelDropout) {
                    y[i] = -1;
                }
            }
        }
        float[] target = new float[n * d];
        for (int i = 0; i < target.length; i++) {
            target[i] = -z[i];
        }
        float[] tf = new float[n];
        float[] wf = new float[n];
        for (int b = 0; b < n; b++) {
            tf[b] = (float) t[b];
            wf[b] = (float) w[b];
        }
        long[] shape = x0.shape();
        return new DenoisingBatch(NdArrays.floats(xt, shape), NdArrays.floats(tf, n), NdArrays.floats(target, shape),
                NdArrays.floats(wf, n), y);
    }
}
