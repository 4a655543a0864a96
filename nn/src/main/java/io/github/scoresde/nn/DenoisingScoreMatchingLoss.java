package io.github.scoresde.nn;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The weighted denoising score-matching loss as a DL4J loss function (docs/math.md section 7). Labels
 * pack the target and a per-example weight: {@code [target_1 .. target_d | w]}, shape
 * {@code [batch, d + 1]}; the loss of example b is w_b c sum_j (out_bj - target_bj)^2 with c from
 * the {@link LossReduction}. With the output parameterised as s(t) * score, the target is -z and
 * w = lambda(t) / s(t)^2 (1 for lambda = s^2). Real-valued label masks are not per-example weights
 * in DL4J (the output layer also scales its pre-activations by them), hence the packing.
 */
public final class DenoisingScoreMatchingLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("reduction")
    private LossReduction reduction;

    /** HALF_SUM, for deserialization. */
    public DenoisingScoreMatchingLoss() {
        this(LossReduction.HALF_SUM);
    }

    /** @param reduction the reduction over dimensions */
    public DenoisingScoreMatchingLoss(@JsonProperty("reduction") LossReduction reduction) {
        this.reduction = reduction;
    }

    /** The reduction. */
    public LossReduction getReduction() {
        return reduction;
    }

    private static void check(INDArray labels, INDArray out) {
        if (labels.size(1) != out.size(1) + 1) {
            throw new IllegalArgumentException("labels must have shape [batch, " + (out.size(1) + 1)
                    + "] (targets then one weight); got " + java.util.Arrays.toString(labels.shape()));
        }
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray out = activationFn.getActivation(preOutput.dup(), true);
        check(labels, out);
        long d = out.size(1);
        INDArray target = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
        INDArray w = labels.getColumn(d);
        INDArray diff = out.subi(target.castTo(out.dataType()));
        return diff.muli(diff).sum(1).muli(w.castTo(out.dataType())).muli(reduction.factor(d));
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray out = activationFn.getActivation(preOutput.dup(), true);
        check(labels, out);
        long d = out.size(1);
        INDArray target = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
        INDArray w = labels.getColumn(d).castTo(out.dataType()).reshape(out.size(0), 1);
        INDArray dLdOut = out.subi(target.castTo(out.dataType())).muli(2 * reduction.factor(d)).muliColumnVector(w);
        return activationFn.backprop(preOutput.dup(), dLdOut).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
            INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    /**
     * The loss of {@link #computeScoreArray} summed over a batch, and its gradient, on row-major
     * Java arrays (the written-out training step, {@link MlpPasses}): out = product + bias per row,
     * the sum over examples b of w_b c sum_j (out_bj - target_bj)^2, and dL/dout = w_b 2c (out -
     * target) into {@code grad}. Accumulated in float64.
     *
     * @param product {@code [batch, d]} the output layer's product before its bias
     * @param bias {@code [d]}
     * @param target {@code [batch, d]}
     * @param weight {@code [batch]}
     * @param grad {@code [batch, d]}, overwritten
     * @return the sum of the examples' losses
     */
    static double sumAndGradient(LossReduction reduction, float[] product, float[] bias, float[] target,
            float[] weight, float[] grad) {
        int batch = weight.length;
        int d = bias.length;
        double c = reduction.factor(d);
        double total = 0;
        for (int b = 0; b < batch; b++) {
            double w = weight[b];
            double sum = 0;
            for (int j = 0; j < d; j++) {
                double diff = (product[b * d + j] + bias[j]) - target[b * d + j];
                sum += diff * diff;
                grad[b * d + j] = (float) (2 * c * w * diff);
            }
            total += w * c * sum;
        }
        return total;
    }

    @Override
    public String name() {
        return "DenoisingScoreMatchingLoss(" + reduction + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenoisingScoreMatchingLoss l && l.reduction == reduction;
    }

    @Override
    public int hashCode() {
        return reduction.hashCode();
    }
}
