package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.sde.Sde;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

/**
 * Turns a batch of clean data x0 into a denoising score-matching batch for DL4J's {@code fit}
 * (docs/math.md section 7): draws t (and its loss weight) from the {@link LossWeighting}, z ~ N(0, I),
 * forms x_t = m(t) x0 + s(t) z, and sets features [x_t, emb(t)] and labels [-z | w] for the
 * network's {@link io.github.scoresde.nn.DenoisingScoreMatchingLoss}.
 *
 * <p>The randomness of batch k is {@code rng.stream(k)}: with a counter that restarts where a
 * checkpoint left off, resumed training sees the same batches as uninterrupted training. As a
 * DL4J {@link DataSetPreProcessor} it numbers the batches itself, so it also works with DL4J's
 * iterators and ParallelWrapper.
 */
public final class DenoisingScoreMatchingPreProcessor implements DataSetPreProcessor {
    private static final long serialVersionUID = 1L;
    private final Sde sde;
    private final MlpScoreNetwork network;
    private final LossWeighting.TimeSampler times;
    private final RandomSource rng;
    private final AtomicLong counter = new AtomicLong();

    /**
     * @param sde the SDE defining the perturbation
     * @param network the network whose time embedding builds the features
     * @param weighting the loss weighting
     * @param timeFloor the smallest training time t_min
     * @param rng the training randomness
     */
    public DenoisingScoreMatchingPreProcessor(Sde sde, MlpScoreNetwork network, LossWeighting weighting, double timeFloor,
            RandomSource rng) {
        this.sde = Checks.notNull("sde", sde);
        this.network = Checks.notNull("network", network);
        this.times = Checks.notNull("weighting", weighting).sampler(sde, timeFloor);
        this.rng = Checks.notNull("rng", rng);
    }

    /** The number of the next batch. */
    public long nextBatch() {
        return counter.get();
    }

    /** Sets the number of the next batch (for resuming). */
    public void setNextBatch(long k) {
        counter.set(k);
    }

    @Override
    public void preProcess(DataSet ds) {
        DataSet out = perturb(ds.getFeatures(), counter.getAndIncrement());
        ds.setFeatures(out.getFeatures());
        ds.setLabels(out.getLabels());
    }

    /** x_t = m_b x0_b + s_b z_b per example, float32, a new array. */
    static INDArray perturb(INDArray x0, double[] m, double[] s, INDArray z) {
        int n = m.length;
        float[] xt = perturb(io.github.scoresde.core.NdArrays.toFloats(x0), m, s,
                io.github.scoresde.core.NdArrays.toFloats(z), (int) (z.length() / Math.max(1, n)));
        return io.github.scoresde.core.NdArrays.floats(xt, x0.shape());
    }

    /**
     * x_t = m_b x0_b + s_b z_b per example on row-major float32 values with {@code d} values per
     * example, rounded as float32 products and a float32 sum (what the ND4J ops did).
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

    /** The perturbed batch number {@code k} for clean data {@code x0 [n, d]}. */
    public org.nd4j.linalg.dataset.DataSet perturb(INDArray x0, long k) {
        return perturb(x0, null, 0, k);
    }

    /**
     * The perturbed batch number {@code k} for labelled data, for a class-conditional network: each
     * label is replaced by "no label" (-1) with probability {@code labelDropout}, so the network also
     * learns the unconditional score (classifier-free guidance, Ho and Salimans 2021).
     */
    public org.nd4j.linalg.dataset.DataSet perturb(INDArray x0, int[] labels, double labelDropout, long k) {
        int n = Checks.batchOf("x0", x0, new long[] {network.dimension()});
        RandomSource r = rng.stream(k);
        double[] t = new double[n];
        double[] w = new double[n];
        double[] m = new double[n];
        double[] s = new double[n];
        times.draw(r.stream(0), sde, t, w, m, s);
        int d = network.dimension();
        // in Java arrays: a batch's x_t and targets are a few thousand values, where each ND4J op
        // costs more than the arithmetic (performance.md, seventh round)
        float[] z = new float[n * d];
        r.stream(1).fillGaussian(z, 0, n, d);
        float[] xt = perturb(io.github.scoresde.core.NdArrays.toFloats(x0), m, s, z, d);
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
        // the time features of t rounded to float32, as when t travelled as a float32 array
        double[] tf = new double[n];
        for (int b = 0; b < n; b++) {
            tf[b] = (float) t[b];
        }
        INDArray features = network.features(xt, tf, y);
        float[] target = new float[n * (d + 1)];
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < d; j++) {
                target[b * (d + 1) + j] = -z[b * d + j];
            }
            target[b * (d + 1) + d] = (float) w[b];
        }
        INDArray targets = io.github.scoresde.core.NdArrays.floats(target, n, d + 1);
        return new org.nd4j.linalg.dataset.DataSet(features, targets);
    }
}
