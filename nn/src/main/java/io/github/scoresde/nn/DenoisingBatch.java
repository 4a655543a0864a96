package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * One batch of denoising score matching (docs/math.md section 7), for samples of any shape: the
 * perturbed points x_t = m(t) x_0 + s(t) z, their times t, the regression target -z (the score of
 * the perturbation kernel times s(t)) and the per-example loss weight lambda(t) / s(t)^2 of the
 * network-output form, so that the loss is sum_b w_b |net(x_t, t) - target|^2 / 2.
 *
 * <p>As a DL4J {@link MultiDataSet} ({@link #toMultiDataSet()}, {@link #of(MultiDataSet)}), what
 * {@link ScoreNetwork#fit} takes and what a distributed trainer ships: features
 * {@code [x_t, t]} (plus the labels as {@code [batch, 1]} class indices, -1 for "no label", for a
 * class-conditional batch), labels {@code [target, weight]} with t and the weight as
 * {@code [batch, 1]}. All float32.
 *
 * @param perturbed x_t, {@code [batch, sampleShape...]}
 * @param times t, {@code [batch]}
 * @param target -z, the shape of x_t
 * @param weight the per-example weight, {@code [batch]}
 * @param labels the class labels (-1: no label), or null for an unconditional batch
 */
public record DenoisingBatch(INDArray perturbed, INDArray times, INDArray target, INDArray weight, int[] labels) {

    /** Checks that the parts agree in batch size and shape. */
    public DenoisingBatch {
        Checks.notNull("perturbed", perturbed);
        Checks.notNull("times", times);
        Checks.notNull("target", target);
        Checks.notNull("weight", weight);
        if (perturbed.rank() < 2) {
            throw new IllegalArgumentException("perturbed must have shape [batch, sampleShape...]; got "
                    + Arrays.toString(perturbed.shape()));
        }
        long n = perturbed.size(0);
        if (!Arrays.equals(target.shape(), perturbed.shape())) {
            throw new IllegalArgumentException("target must have the shape of perturbed "
                    + Arrays.toString(perturbed.shape()) + "; got " + Arrays.toString(target.shape()));
        }
        if (times.length() != n || weight.length() != n) {
            throw new IllegalArgumentException("times and weight must hold one value per example (" + n + "); got "
                    + times.length() + " and " + weight.length());
        }
        if (labels != null && labels.length != n) {
            throw new IllegalArgumentException("labels must hold one label per example (" + n + "); got "
                    + labels.length);
        }
    }

    /** The number of examples. */
    public int size() {
        return (int) perturbed.size(0);
    }

    /** The shape of one example. */
    public long[] sampleShape() {
        return Arrays.copyOfRange(perturbed.shape(), 1, perturbed.rank());
    }

    /** The batch as a DL4J {@link MultiDataSet} (see the class comment); shares the arrays. */
    public MultiDataSet toMultiDataSet() {
        int n = size();
        INDArray[] features = labels == null ? new INDArray[] {perturbed, times.reshape(n, 1)}
                : new INDArray[] {perturbed, times.reshape(n, 1), NdArrays.floats(toFloats(labels), n, 1)};
        return new org.nd4j.linalg.dataset.MultiDataSet(features, new INDArray[] {target, weight.reshape(n, 1)});
    }

    /**
     * Reads a batch laid out by {@link #toMultiDataSet()}; shares the arrays.
     *
     * @throws IllegalArgumentException naming what does not match the layout
     */
    public static DenoisingBatch of(MultiDataSet batch) {
        Checks.notNull("batch", batch);
        INDArray[] f = batch.getFeatures();
        INDArray[] l = batch.getLabels();
        if (f == null || l == null || (f.length != 2 && f.length != 3) || l.length != 2) {
            throw new IllegalArgumentException("a denoising batch has features [x_t, t] or [x_t, t, labels] and labels "
                    + "[target, weight]; got " + (f == null ? 0 : f.length) + " feature and "
                    + (l == null ? 0 : l.length) + " label arrays");
        }
        int n = (int) f[0].size(0);
        int[] labels = null;
        if (f.length == 3) {
            double[] y = NdArrays.toDoubles(f[2]);
            labels = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                labels[i] = (int) y[i];
            }
        }
        return new DenoisingBatch(f[0], f[1].reshape(f[1].length()), l[0], l[1].reshape(l[1].length()), labels);
    }

    private static float[] toFloats(int[] labels) {
        float[] out = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i];
        }
        return out;
    }
}
