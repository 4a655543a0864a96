package io.github.scoresde.nn;

import io.github.scoresde.core.kernels.Kernels;
import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link FusedDenseLayer}. Forward: h = SiLU(x W + b) with x W written by GEMM into a
 * column-major workspace array and bias + SiLU applied in one pass ({@link Kernels#biasSilu});
 * in training it also keeps SiLU'(x W + b) in a buffer the layer owns (outside workspaces, reused
 * while the batch size stays). Backward: delta = eps * SiLU' over that buffer with the bias
 * gradient in the same pass, then dW = x^T delta and eps_in = delta W^T by GEMM. A backward pass
 * without a training forward pass on the same input recomputes the forward pass first.
 */
final class FusedDenseLayerImpl extends DenseLayer {
    private static final String W_KEY = DefaultParamInitializer.WEIGHT_KEY;
    private static final String B_KEY = DefaultParamInitializer.BIAS_KEY;

    /** SiLU'(x W + b) of the last training forward pass, [batch, nOut] 'f'. */
    private INDArray derivative;
    /** The input the derivative belongs to (identity), null once consumed. */
    private INDArray derivativeInput;

    FusedDenseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Whether this layer's own passes apply (else DL4J's). */
    boolean fused() {
        org.deeplearning4j.nn.conf.layers.DenseLayer c = layerConf();
        return FusedDenseLayer.fuses(c.getActivationFn()) && c.getIDropout() == null && c.getWeightNoise() == null
                && !c.hasLayerNorm() && c.hasBias() && maskArray == null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!fused()) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        INDArray out = product(workspaceMgr);
        INDArray deriv = null;
        if (training) {
            deriv = derivativeBuffer(out.rows(), out.columns());
            derivativeInput = input;
        }
        Kernels.biasSilu(out, getParam(B_KEY), out, deriv);
        return out;
    }

    /** x W into a new column-major activations array. */
    private INDArray product(LayerWorkspaceMgr workspaceMgr) {
        INDArray w = getParam(W_KEY);
        INDArray x = input.castTo(dataType);
        if (x.rank() != 2 || x.columns() != w.rows()) {
            throw new DL4JInvalidInputException("layer " + getIndex() + " expects input of shape [batch, " + w.rows()
                    + "]; got " + Arrays.toString(x.shape()));
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                new long[] {x.rows(), w.columns()}, 'f');
        Nd4j.gemm(x, w, out, false, false, 1.0, 0.0);
        return out;
    }

    private INDArray derivativeBuffer(long rows, long cols) {
        if (derivative == null || derivative.rows() != rows || derivative.columns() != cols
                || derivative.dataType() != dataType) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                derivative = Nd4j.createUninitialized(dataType, new long[] {rows, cols}, 'f');
            }
        }
        return derivative;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!fused()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        if (derivativeInput != input || derivative == null || derivative.rows() != input.rows()) {
            activate(true, workspaceMgr); // no training forward pass on this input: redo it
        }
        derivativeInput = null;
        INDArray delta = derivative;
        INDArray eps = epsilon.ordering() == 'f' ? epsilon : epsilon.dup('f');
        INDArray biasGrad = gradientViews.get(B_KEY);
        INDArray weightGrad = gradientViews.get(W_KEY);
        Kernels.siluBackward(eps, delta, biasGrad);
        INDArray x = input.castTo(dataType);
        Nd4j.gemm(x, delta, weightGrad, true, false, 1.0, 0.0);
        INDArray epsilonNext = null;
        if (((FusedDenseLayer) layerConf()).isInputGradient()) {
            INDArray w = getParam(W_KEY);
            epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                    new long[] {x.rows(), w.rows()}, 'f');
            Nd4j.gemm(delta, w, epsilonNext, false, true, 1.0, 0.0);
        }
        Gradient ret = new DefaultGradient();
        ret.gradientForVariable().put(B_KEY, biasGrad);
        ret.gradientForVariable().put(W_KEY, weightGrad);
        weightNoiseParams.clear();
        return new Pair<>(ret, epsilonNext);
    }

    @Override
    public void clear() {
        super.clear();
        derivativeInput = null;
    }
}
