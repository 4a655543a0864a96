package io.github.scoresde.training;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.nn.ScoreNetwork;
import io.github.scoresde.sde.Sde;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns a batch of clean data x0 into a denoising score-matching batch for DL4J's {@code fit}
 * (MATH.md section 7): draws t (and its loss weight) from the {@link LossWeighting}, z ~ N(0, I),
 * forms x_t = m(t) x0 + s(t) z, and sets features [x_t, emb(t)] and labels [-z | w] for the
 * network's {@link io.github.scoresde.core.nn.DenoisingScoreMatchingLoss}.
 *
 * <p>The randomness of batch k is {@code rng.stream(k)}: with a counter that restarts where a
 * checkpoint left off, resumed training sees the same batches as uninterrupted training. As a
 * DL4J {@link DataSetPreProcessor} it numbers the batches itself, so it also works with DL4J's
 * iterators and ParallelWrapper.
 */
public final class DenoisingScoreMatchingPreProcessor implements DataSetPreProcessor {
    private static final long serialVersionUID = 1L;
    private final Sde sde;
    private final ScoreNetwork network;
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
    public DenoisingScoreMatchingPreProcessor(Sde sde, ScoreNetwork network, LossWeighting weighting, double timeFloor,
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
        INDArray mv = Broadcast.vector(m, z);
        INDArray sv = Broadcast.vector(s, z);
        INDArray noise = Broadcast.mul(z, sv);
        INDArray out = Broadcast.mul(x0.castTo(DataType.FLOAT), mv).addi(noise);
        io.github.scoresde.core.NdArrays.release(mv, sv, noise);
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
        INDArray z = r.stream(1).gaussian(DataType.FLOAT, 0, n, network.dimension());
        INDArray xt = perturb(x0, m, s, z);
        INDArray tt = io.github.scoresde.core.NdArrays.of(t, DataType.FLOAT, n);
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
        INDArray features = network.features(xt, tt, y);
        INDArray weights = io.github.scoresde.core.NdArrays.of(w, DataType.FLOAT, n, 1);
        INDArray targets = Nd4j.concat(1, z.negi(), weights);
        // the pieces are copied into features and targets: freed now, not by the collector
        io.github.scoresde.core.NdArrays.release(z, xt, tt, weights);
        return new org.nd4j.linalg.dataset.DataSet(features, targets);
    }
}
