package io.github.scoresde.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The fused dense + SiLU layer and the fused output layer against DL4J's own dense and output layers with the same parameters: outputs,
 * parameter gradients, input gradients and a few Adam steps agree; model files keep the layer.
 */
class FusedDenseLayerTest {

    private static MultiLayerNetwork network(boolean fused, Activation act, DataType type) {
        return network(fused, act, type, new Adam(1e-2));
    }

    private static MultiLayerNetwork network(boolean fused, Activation act, DataType type, Adam updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(3).dataType(type)
                .weightInit(WeightInit.UNIFORM).updater(updater).list();
        long[] sizes = {7, 33, 33};
        for (int i = 0; i + 1 < sizes.length; i++) {
            list.layer(fused ? FusedDenseLayer.of(sizes[i], sizes[i + 1], act)
                    : new DenseLayer.Builder().nIn(sizes[i]).nOut(sizes[i + 1]).activation(act).build());
        }
        list.layer(fused ? FusedOutputLayer.of(33, 3, Activation.IDENTITY, LossFunctions.LossFunction.MSE.getILossFunction())
                : new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(33).nOut(3)
                        .activation(Activation.IDENTITY).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray gaussian(long seed, DataType type, long... shape) {
        Random r = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        return Nd4j.randn(r, shape).muli(2).castTo(type);
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double err = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err <= tol * scale, what + ": max error " + err + " > " + tol + " x " + scale);
    }

    private static void compare(Activation act, DataType type, double tol) {
        MultiLayerNetwork plain = network(false, act, type);
        MultiLayerNetwork fused = network(true, act, type);
        fused.setParams(plain.params().dup());
        INDArray x = gaussian(1, type, 41, 7);
        INDArray y = gaussian(2, type, 41, 3);
        String tag = act + " " + type;

        assertClose(plain.output(x), fused.output(x), tol, tag + " output");

        plain.setInput(x);
        plain.setLabels(y);
        plain.computeGradientAndScore();
        fused.setInput(x);
        fused.setLabels(y);
        fused.computeGradientAndScore();
        assertEquals(plain.score(), fused.score(), tol * Math.abs(plain.score()), tag + " score");
        assertClose(plain.gradient().gradient(), fused.gradient().gradient(), tol, tag + " parameter gradient");

        INDArray gx = plain.calculateGradients(x, y, null, null).getSecond();
        INDArray fx = fused.calculateGradients(x, y, null, null).getSecond();
        assertClose(gx, fx, tol, tag + " input gradient");

        DataSet ds = new DataSet(x, y);
        for (int i = 0; i < 5; i++) {
            plain.fit(ds);
            fused.fit(ds);
        }
        assertClose(plain.params(), fused.params(), 20 * tol, tag + " parameters after 5 Adam steps");
    }

    @Test
    void siluMatchesDl4jDenseLayerInFloatAndDouble() {
        compare(Activation.SWISH, DataType.FLOAT, 2e-5);
        compare(Activation.SWISH, DataType.DOUBLE, 1e-11);
    }

    @Test
    void otherActivationsBehaveAsTheDenseLayer() {
        compare(Activation.TANH, DataType.FLOAT, 1e-6);
    }

    @Test
    void batchSizeChangesBetweenSteps() {
        MultiLayerNetwork plain = network(false, Activation.SWISH, DataType.FLOAT);
        MultiLayerNetwork fused = network(true, Activation.SWISH, DataType.FLOAT);
        fused.setParams(plain.params().dup());
        for (int batch : new int[] {16, 5, 16, 64}) {
            DataSet ds = new DataSet(gaussian(batch, DataType.FLOAT, batch, 7), gaussian(batch + 1, DataType.FLOAT,
                    batch, 3));
            plain.fit(ds);
            fused.fit(ds);
        }
        assertClose(plain.params(), fused.params(), 1e-4, "parameters after steps of varying batch size");
    }

    @Test
    void fusedAdamStepsAsDl4jAdam() throws IOException {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            MultiLayerNetwork plain = network(true, Activation.SWISH, type, new Adam(1e-2));
            MultiLayerNetwork fused = network(true, Activation.SWISH, type, new FusedAdam(1e-2));
            fused.setParams(plain.params().dup());
            DataSet ds = new DataSet(gaussian(11, type, 64, 7), gaussian(12, type, 64, 3));
            for (int i = 0; i < 20; i++) {
                plain.fit(ds);
                fused.fit(ds);
            }
            double tol = type == DataType.FLOAT ? 1e-4 : 1e-12;
            assertClose(plain.params(), fused.params(), tol, type + " parameters after 20 Adam steps");
            assertClose(plain.getUpdater().getStateViewArray(), fused.getUpdater().getStateViewArray(), tol,
                    type + " Adam moments");
        }
        // the updater and its state survive a model file: training goes on identically
        MultiLayerNetwork a = network(true, Activation.SWISH, DataType.FLOAT, new FusedAdam(1e-2));
        DataSet ds = new DataSet(gaussian(13, DataType.FLOAT, 32, 7), gaussian(14, DataType.FLOAT, 32, 3));
        for (int i = 0; i < 3; i++) {
            a.fit(ds);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(a, bytes, true);
        MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertInstanceOf(FusedAdam.class, ((org.deeplearning4j.nn.conf.layers.BaseLayer) b.getLayerWiseConfigurations()
                .getConf(0).getLayer()).getIUpdater());
        a.fit(ds);
        b.fit(ds);
        assertEquals(a.params(), b.params());
    }

    @Test
    void firstLayerWithoutInputGradientTrainsTheSame() throws IOException {
        MultiLayerNetwork plain = network(false, Activation.SWISH, DataType.FLOAT);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(new Adam(1e-2)).list()
                .layer(FusedDenseLayer.of(7, 33, Activation.SWISH).withoutInputGradient())
                .layer(FusedDenseLayer.of(33, 33, Activation.SWISH))
                .layer(FusedOutputLayer.of(33, 3, Activation.IDENTITY, LossFunctions.LossFunction.MSE.getILossFunction()));
        MultiLayerNetwork lean = new MultiLayerNetwork(list.build());
        lean.init();
        lean.setParams(plain.params().dup());
        DataSet ds = new DataSet(gaussian(21, DataType.FLOAT, 40, 7), gaussian(22, DataType.FLOAT, 40, 3));
        for (int i = 0; i < 5; i++) {
            plain.fit(ds);
            lean.fit(ds);
        }
        assertClose(plain.params(), lean.params(), 1e-4, "parameters after 5 steps without the input gradient");
        assertEquals(null, lean.calculateGradients(ds.getFeatures(), ds.getLabels(), null, null).getSecond());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(lean, bytes, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertTrue(!((FusedDenseLayer) back.getLayerWiseConfigurations().getConf(0).getLayer()).isInputGradient());
        assertTrue(((FusedDenseLayer) back.getLayerWiseConfigurations().getConf(1).getLayer()).isInputGradient());
    }

    @Test
    void globalClippingInTheUpdaterEqualsDl4jClippingOnOneLayer() {
        // with a single layer, DL4J's per-layer L2 clipping is global-norm clipping
        for (double clip : new double[] {0.05, 1e3}) {
            MultiLayerNetwork dl4j = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                    .dataType(DataType.FLOAT).weightInit(WeightInit.UNIFORM).updater(new Adam(1e-2))
                    .gradientNormalization(org.deeplearning4j.nn.conf.GradientNormalization.ClipL2PerLayer)
                    .gradientNormalizationThreshold(clip).list()
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(7).nOut(3)
                            .activation(Activation.IDENTITY).build())
                    .build());
            dl4j.init();
            MultiLayerNetwork fused = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                    .dataType(DataType.FLOAT).weightInit(WeightInit.UNIFORM)
                    .updater(new FusedAdam(1e-2).withGradientClip(clip)).list()
                    .layer(FusedOutputLayer.of(7, 3, Activation.IDENTITY, LossFunctions.LossFunction.MSE.getILossFunction()))
                    .build());
            fused.init();
            fused.setParams(dl4j.params().dup());
            DataSet ds = new DataSet(gaussian(31, DataType.FLOAT, 50, 7), gaussian(32, DataType.FLOAT, 50, 3).muli(20));
            for (int i = 0; i < 6; i++) {
                dl4j.fit(ds);
                fused.fit(ds);
            }
            assertClose(dl4j.params(), fused.params(), 1e-4, "parameters after 6 clipped steps, clip " + clip);
        }
    }

    @Test
    void modelFilesKeepTheFusedLayer() throws IOException {
        MultiLayerNetwork fused = network(true, Activation.SWISH, DataType.FLOAT);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(fused, bytes, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertInstanceOf(FusedDenseLayer.class, back.getLayerWiseConfigurations().getConf(0).getLayer());
        assertInstanceOf(FusedOutputLayer.class, back.getLayerWiseConfigurations().getConf(2).getLayer());
        INDArray x = gaussian(9, DataType.FLOAT, 10, 7);
        assertEquals(fused.output(x), back.output(x));
    }
}
