package io.github.scoresde.nn;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A "loss" L = sum_b v_b . out_b whose gradient with respect to the output is the labels v
 * themselves: back-propagating it through a network gives the vector-Jacobian product
 * v^T (d out / d input). Used by {@link MlpScoreNetwork#vectorJacobianProduct}.
 */
public final class LinearProbeLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray out = activationFn.getActivation(preOutput.dup(), false);
        return out.muli(labels.castTo(out.dataType())).sum(1);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        double s = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? s / preOutput.size(0) : s;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return activationFn.backprop(preOutput.dup(), labels.castTo(preOutput.dataType()).dup()).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
            INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "LinearProbeLoss";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinearProbeLoss;
    }

    @Override
    public int hashCode() {
        return 17;
    }
}
