package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J dense layer configuration whose layer fuses the bias and a SiLU (DL4J's {@code SWISH})
 * activation into one pass over the matrix product's result, keeps SiLU' from the training forward
 * pass for the backward pass (DL4J's dense layer recomputes the product there), and writes its
 * products into column-major buffers, where ND4J's GEMM is faster than into row-major ones
 * (docs/performance.md). Same parameters, initialisation, updaters, serialization and results as
 * {@link DenseLayer}: with another activation, dropout, weight noise, layer normalisation, no bias
 * or a mask it behaves exactly as a {@link DenseLayer}.
 *
 * <p>Stored in model files by class name, so restoring a network that uses it needs this class on
 * the classpath (as for every custom DL4J layer).
 */
public class FusedDenseLayer extends DenseLayer {
    private boolean inputGradient = true;

    /** For JSON deserialization; use {@link #of}. */
    public FusedDenseLayer() {
    }

    /**
     * Whether the backward pass computes the gradient with respect to the layer's input (default
     * true). The first layer of a network that is only trained needs none: DL4J's {@code fit}
     * discards it, and skipping it saves one matrix product per step ([batch, width] x [width, nIn]).
     * With false, {@code calculateGradients} returns no input gradient for this layer's network.
     */
    public boolean isInputGradient() {
        return inputGradient;
    }

    /** See {@link #isInputGradient()}. */
    public void setInputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
    }

    /** A copy of this layer configuration without the input gradient (for first layers of trained networks). */
    public FusedDenseLayer withoutInputGradient() {
        FusedDenseLayer c = (FusedDenseLayer) clone();
        c.setInputGradient(false);
        return c;
    }

    /** A dense layer of {@code nIn -> nOut} units with the given activation (SWISH is fused). */
    public static FusedDenseLayer of(long nIn, long nOut, Activation activation) {
        Checks.positive("nIn", nIn);
        Checks.positive("nOut", nOut);
        Checks.notNull("activation", activation);
        FusedDenseLayer l = new FusedDenseLayer();
        l.setNIn(nIn);
        l.setNOut(nOut);
        l.setActivationFn(activation.getActivationFunction());
        return l;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        FusedDenseLayerImpl layer = new FusedDenseLayerImpl(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    /** Whether the given activation is the one this layer fuses. */
    static boolean fuses(IActivation activation) {
        return activation instanceof org.nd4j.linalg.activations.impl.ActivationSwish;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedDenseLayer f && f.inputGradient == inputGradient && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + (inputGradient ? 1 : 2);
    }
}
