package io.github.scoresde.nn;

import java.util.List;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A trainable time-dependent network net(x, t[, y]) for samples of any shape: the seam between
 * the library and a network architecture. The trainer, the model files' adapter
 * ({@link NetworkScoreFunction}: score = net / s(t)) and every sampler, likelihood and guidance
 * method reach a network only through this interface. {@link MlpScoreNetwork} (vector data) is one
 * implementation; an image U-Net is another kind of the same.
 *
 * <p>Shapes: x is {@code [batch, sampleShape()...]}, t is {@code [batch]} (one time per example),
 * labels (class-conditional networks) one per example with -1 meaning "no label"; outputs and
 * vector-Jacobian products have the shape of x. Arrays handed in are lent for the call and not
 * modified; results are new arrays the caller owns.
 *
 * <p>Training: {@link #fit(MultiDataSet)} takes one optimiser step on the weighted denoising
 * score-matching loss of a batch laid out by {@link DenoisingBatch} (features x_t and t, labels the
 * target -z and the per-example weight), docs/math.md section 7. Implementations keep their
 * optimiser state; they are not thread-safe while training.
 */
public interface ScoreNetwork {

    /** The shape of one example, without the batch dimension (e.g. {@code [2]}, {@code [1, 28, 28]}). */
    long[] sampleShape();

    /** The number of classes of a class-conditional network; 0 for an unconditional one. */
    int classes();

    /** The data type of the parameters and outputs (float32 unless built otherwise for tests). */
    DataType dataType();

    /**
     * net(x, t, y) in inference mode.
     *
     * @param x {@code [batch, sampleShape()...]}
     * @param t {@code [batch]}
     * @param labels one label per example (-1: no label), or null; only for class-conditional networks
     * @return the shape of x, {@link #dataType()}
     */
    INDArray output(INDArray x, INDArray t, int[] labels);

    /** net(x, t) of an unconditional network (or with no labels), as {@link #output(INDArray, INDArray, int[])}. */
    default INDArray output(INDArray x, INDArray t) {
        return output(x, t, null);
    }

    /**
     * The vector-Jacobian product v^T (d net(x, t) / d x) per example.
     *
     * @param v the cotangents, the shape of x
     * @return the shape of x
     */
    INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v);

    /**
     * One optimiser step on the weighted denoising score-matching loss of a batch.
     *
     * @param batch a {@link DenoisingBatch} layout, with as many examples as the implementation accepts
     * @return the batch's loss before the step
     * @throws IllegalArgumentException when the batch does not have this network's layout and shapes
     */
    double fit(MultiDataSet batch);

    /**
     * The weighted denoising score-matching loss of a batch, without a step (a validation loss).
     *
     * @param batch a {@link DenoisingBatch} layout
     */
    double loss(MultiDataSet batch);

    /**
     * The parameters as one flat array: a live view that training updates in place (copy it to keep
     * a snapshot).
     */
    INDArray params();

    /** A network with the same architecture and a copy of {@code params}, without optimiser state. */
    ScoreNetwork withParameters(INDArray params);

    /**
     * DL4J listeners called after every {@link #fit} step (the EMA of the weights, loss logging,
     * progress bars); replaces the previous ones.
     */
    void setListeners(List<TrainingListener> listeners);

    /** The number of values in one example (the product of {@link #sampleShape()}). */
    default long sampleSize() {
        long n = 1;
        for (long s : sampleShape()) {
            n *= s;
        }
        return n;
    }
}
