package io.github.scoresde.nn;

import io.github.scoresde.core.kernels.Kernels;
import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link FusedOutputLayer}: z = x W + b by GEMM into a column-major array with the
 * bias added in one pass; backward: delta from the loss, dW = x^T delta, db = column sums and the
 * epsilon for the layer below, delta W^T, column-major.
 */
final class FusedOutputLayerImpl extends OutputLayer {
    private static final String W_KEY = DefaultParamInitializer.WEIGHT_KEY;
    private static final String B_KEY = DefaultParamInitializer.BIAS_KEY;

    FusedOutputLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Whether this layer's own passes apply (else DL4J's). */
    boolean fused() {
        org.deeplearning4j.nn.conf.layers.OutputLayer c = layerConf();
        return c.getIDropout() == null && c.getWeightNoise() == null && c.hasBias() && maskArray == null;
    }

    @Override
    protected INDArray preOutput(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!fused()) {
            return super.preOutput(training, workspaceMgr);
        }
        assertInputSet(false);
        INDArray w = getParam(W_KEY);
        INDArray x = input.castTo(dataType);
        if (x.rank() != 2 || x.columns() != w.rows()) {
            throw new DL4JInvalidInputException("output layer " + getIndex() + " expects input of shape [batch, "
                    + w.rows() + "]; got " + Arrays.toString(x.shape()));
        }
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                new long[] {x.rows(), w.columns()}, 'f');
        Nd4j.gemm(x, w, z, false, false, 1.0, 0.0);
        Kernels.addBias(z, getParam(B_KEY));
        return z;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!fused()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray z = preOutput2d(true, workspaceMgr);
        INDArray delta = layerConf().getLossFn().computeGradient(getLabels2d(workspaceMgr, ArrayType.BP_WORKING_MEM),
                z, layerConf().getActivationFn(), maskArray);
        INDArray x = input.castTo(dataType);
        Gradient ret = new DefaultGradient();
        INDArray weightGrad = gradientViews.get(W_KEY);
        Nd4j.gemm(x, delta, weightGrad, true, false, 1.0, 0.0);
        ret.gradientForVariable().put(W_KEY, weightGrad);
        INDArray biasGrad = gradientViews.get(B_KEY);
        delta.sum(biasGrad, 0);
        ret.gradientForVariable().put(B_KEY, biasGrad);
        INDArray w = getParam(W_KEY);
        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {x.rows(), w.rows()}, 'f');
        Nd4j.gemm(delta, w, epsilonNext, false, true, 1.0, 0.0);
        weightNoiseParams.clear();
        return new Pair<>(ret, epsilonNext);
    }
}
