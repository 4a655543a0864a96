package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A DL4J output layer configuration (dense + loss) whose layer writes its products into
 * column-major buffers, adds the bias in one vector pass and hands the layer below a column-major
 * epsilon, which the {@link FusedDenseLayer} under it consumes without a copy. Same parameters,
 * initialisation, loss, serialization and results as {@link OutputLayer}; with dropout, weight
 * noise or a mask it behaves exactly as one.
 */
public class FusedOutputLayer extends OutputLayer {

    /** For JSON deserialization; use {@link #of}. */
    public FusedOutputLayer() {
    }

    /** An output layer of {@code nIn -> nOut} units with the given activation and loss. */
    public static FusedOutputLayer of(long nIn, long nOut, Activation activation, ILossFunction loss) {
        Checks.positive("nIn", nIn);
        Checks.positive("nOut", nOut);
        Checks.notNull("activation", activation);
        Checks.notNull("loss", loss);
        FusedOutputLayer l = new FusedOutputLayer();
        l.setNIn(nIn);
        l.setNOut(nOut);
        l.setActivationFn(activation.getActivationFunction());
        l.setLossFn(loss);
        return l;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        FusedOutputLayerImpl layer = new FusedOutputLayerImpl(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedOutputLayer && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 2;
    }
}
