package io.github.scoresde.nn;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.kernels.Kernels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step of an {@link MlpScoreNetwork}'s DL4J network, written out over its layers'
 * parameter and gradient views: what {@code MultiLayerNetwork.fit} does for this network, without
 * its per-step workspaces, per-layer arrays and ND4J ops between the products (they cost about as
 * much as the products themselves at the toy MLP's size; docs/performance.md).
 *
 * <ul>
 *   <li>Forward: per hidden layer z = x W by GEMM into a column-major array, then bias + SiLU in one
 *       pass that also keeps SiLU'(z + b) ({@link Kernels#biasSilu}); the output layer's product
 *       and bias.</li>
 *   <li>The weighted denoising score-matching loss (docs/math.md section 7, the
 *       {@link DenoisingScoreMatchingLoss}) and its gradient w_b 2c (out - target) in one pass over
 *       the outputs, in Java.</li>
 *   <li>Backward: per layer, from the top, delta = eps SiLU' with the bias gradient in the same
 *       pass ({@link Kernels#siluBackward}), dW = x^T delta and eps = delta W^T by GEMM (none for
 *       the first layer), written into the network's flat gradient array.</li>
 *   <li>Then DL4J's own updater on that gradient (the division by the batch size, the
 *       {@link FusedAdam} step with its clipping, the learning-rate schedule), the parameters minus
 *       the update, the score, the listeners (forward pass, backward pass, gradient, iteration
 *       done) and the iteration count, as DL4J's stochastic gradient descent does them.</li>
 * </ul>
 *
 * The arrays of a pass are allocated for one batch size and reused until it changes. The same
 * results as DL4J's {@code fit} to float32 rounding (MlpScoreNetworkTest). Applies to float32
 * networks of fused SiLU layers and a fused output layer with the denoising loss, without
 * regularisation or input preprocessors ({@link #of}); not thread-safe.
 */
final class MlpPasses {
    private final MultiLayerNetwork network;
    private final int hiddenLayers;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] weightGradients;
    private final INDArray[] biasGradients;
    private final LossReduction reduction;
    private final Gradient gradient;
    private Buffers buffers;

    /** The arrays of one batch size; activations, SiLU' and epsilons column-major. */
    private static final class Buffers {
        final int batch;
        final INDArray[] activations;
        final INDArray[] derivatives;
        final INDArray out;
        final INDArray outGradient;
        final INDArray[] epsilons;
        final float[] outValues;
        final float[] gradientValues;

        Buffers(int batch, long width, int hidden, int d) {
            this.batch = batch;
            activations = new INDArray[hidden];
            derivatives = new INDArray[hidden];
            for (int l = 0; l < hidden; l++) {
                activations[l] = Nd4j.createUninitialized(DataType.FLOAT, new long[] {batch, width}, 'f');
                derivatives[l] = Nd4j.createUninitialized(DataType.FLOAT, new long[] {batch, width}, 'f');
            }
            out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {batch, d}, 'c');
            outGradient = Nd4j.createUninitialized(DataType.FLOAT, new long[] {batch, d}, 'c');
            epsilons = new INDArray[] {Nd4j.createUninitialized(DataType.FLOAT, new long[] {batch, width}, 'f'),
                Nd4j.createUninitialized(DataType.FLOAT, new long[] {batch, width}, 'f')};
            outValues = new float[batch * d];
            gradientValues = new float[batch * d];
        }
    }

    private MlpPasses(MultiLayerNetwork network, LossReduction reduction) {
        this.network = network;
        this.reduction = reduction;
        int layers = network.getnLayers();
        this.hiddenLayers = layers - 1;
        if (network.getFlattenedGradients() == null) {
            network.initGradientsView();
        }
        weights = new INDArray[layers];
        biases = new INDArray[layers];
        weightGradients = new INDArray[layers];
        biasGradients = new INDArray[layers];
        DefaultGradient g = new DefaultGradient(network.getFlattenedGradients());
        for (int l = 0; l < layers; l++) {
            Layer layer = network.getLayer(l);
            weights[l] = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
            biases[l] = layer.getParam(DefaultParamInitializer.BIAS_KEY);
            Map<String, INDArray> views = layer.conf().getLayer().initializer()
                    .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            weightGradients[l] = views.get(DefaultParamInitializer.WEIGHT_KEY);
            biasGradients[l] = views.get(DefaultParamInitializer.BIAS_KEY);
            // DL4J's key layout ("layer_param"), which its updater splits by layer
            g.gradientForVariable().put(l + "_" + DefaultParamInitializer.WEIGHT_KEY, weightGradients[l]);
            g.gradientForVariable().put(l + "_" + DefaultParamInitializer.BIAS_KEY, biasGradients[l]);
        }
        this.gradient = g;
    }

    /**
     * The passes of a network, or null when they do not apply to it (DL4J's {@code fit} then
     * trains it): a float32 network of {@link FusedDenseLayer}s with SiLU and a
     * {@link FusedOutputLayer} with the identity and a {@link DenoisingScoreMatchingLoss}, none with
     * dropout, weight noise, layer normalisation, regularisation or gradient normalisation, no input
     * preprocessors, standard back-propagation.
     */
    static MlpPasses of(MultiLayerNetwork network) {
        MultiLayerConfiguration c = network.getLayerWiseConfigurations();
        int layers = network.getnLayers();
        if (c.getDataType() != DataType.FLOAT || layers < 2 || c.getBackpropType() != BackpropType.Standard
                || !c.getInputPreProcessors().isEmpty()) {
            return null;
        }
        for (int l = 0; l < layers; l++) {
            Layer layer = network.getLayer(l);
            boolean fused = l < layers - 1 ? layer instanceof FusedDenseLayerImpl d && d.fused()
                    : layer instanceof FusedOutputLayerImpl o && o.fused();
            if (!fused || !(layer.conf().getLayer() instanceof BaseLayer base)
                    || !base.getRegularization().isEmpty() || !base.getRegularizationBias().isEmpty()
                    || base.getGradientNormalization() != GradientNormalization.None) {
                return null;
            }
        }
        org.deeplearning4j.nn.conf.layers.OutputLayer out =
                (org.deeplearning4j.nn.conf.layers.OutputLayer) network.getLayer(layers - 1).conf().getLayer();
        if (!(out.getLossFn() instanceof DenoisingScoreMatchingLoss loss)
                || !(out.getActivationFn() instanceof ActivationIdentity)) {
            return null;
        }
        return new MlpPasses(network, loss.getReduction());
    }

    /**
     * One optimisation step on a batch.
     *
     * @param features the network's input, {@code [batch, inputs]} float32
     *     ({@link MlpScoreNetwork#features}), read during the call
     * @param target the regression targets, row-major {@code [batch, d]}
     * @param weight the per-example loss weights, {@code [batch]}
     * @return the batch's loss before the step (the mean over examples, DL4J's score)
     */
    double fit(INDArray features, float[] target, float[] weight) {
        int batch = weight.length;
        Buffers b = buffers(batch);
        INDArray x = features;
        for (int l = 0; l < hiddenLayers; l++) {
            INDArray z = b.activations[l];
            Nd4j.gemm(x, weights[l], z, false, false, 1.0, 0.0);
            Kernels.biasSilu(z, biases[l], z, b.derivatives[l]);
            x = z;
        }
        Nd4j.gemm(x, weights[hiddenLayers], b.out, false, false, 1.0, 0.0);
        Kernels.addBias(b.out, biases[hiddenLayers]);
        double score = lossAndGradient(NdArrays.toFloats(b.out, b.outValues), target, weight, b.gradientValues);
        NdArrays.write(b.outGradient, b.gradientValues);
        Collection<TrainingListener> listeners = network.getListeners();
        if (!listeners.isEmpty()) {
            List<INDArray> activations = new ArrayList<>();
            activations.add(features);
            activations.addAll(List.of(b.activations)); // as DL4J's: the output layer's is not among them
            notify(listeners, l -> l.onForwardPass(network, activations));
        }
        backward(b, features);
        network.setScore(score);
        if (!listeners.isEmpty()) {
            network.setGradient(gradient);
            notify(listeners, l -> l.onBackwardPass(network));
            notify(listeners, l -> l.onGradientCalculation(network));
        }
        int iteration = network.getIterationCount();
        int epoch = network.getEpochCount();
        if (!fusedAdamStep(iteration, epoch, batch)) {
            network.getUpdater().update(network, gradient, iteration, epoch, batch, LayerWorkspaceMgr.noWorkspaces());
        }
        INDArray params = network.params();
        params.subi(network.getFlattenedGradients().reshape(params.shape()));
        notify(listeners, l -> l.iterationDone(network, iteration, epoch));
        network.setIterationCount(iteration + 1);
        return score;
    }

    /**
     * What DL4J's updater does to the gradient when it is one {@link FusedAdam} block over every
     * parameter (the toy MLP's): the division by the batch size folded into the step's scale, then
     * {@link FusedAdam.Step#step} (DL4J's updater spends most of its time between these passes).
     *
     * @return false, with nothing done, for any other updater layout or off the vector path
     */
    private boolean fusedAdamStep(int iteration, int epoch, int batch) {
        if (!(network.getUpdater() instanceof BaseMultiLayerUpdater<?> updater)
                || updater.getUpdaterBlocks().size() != 1) {
            return false;
        }
        UpdaterBlock block = updater.getUpdaterBlocks().get(0);
        if (block.getParamOffsetStart() != 0 || block.getParamOffsetEnd() != network.numParams()) {
            return false;
        }
        if (block.getGradientUpdater() == null) {
            block.init();
        }
        double divisor = network.getLayerWiseConfigurations().getConf(0).isMiniBatch() ? batch : 1;
        return block.getGradientUpdater() instanceof FusedAdam.Step adam
                && adam.step(network.getFlattenedGradients(), divisor, iteration, epoch);
    }

    private Buffers buffers(int batch) {
        if (buffers == null || buffers.batch != batch) {
            buffers = new Buffers(batch, weights[0].columns(), hiddenLayers,
                    (int) weights[hiddenLayers].columns());
        }
        return buffers;
    }

    /**
     * The mean over examples of w_b c sum_j (out_bj - target_bj)^2, and dL/dout = w_b 2c (out -
     * target) per example into {@code grad} (the sum's gradient: DL4J's updater divides by the
     * batch size).
     */
    private double lossAndGradient(float[] out, float[] target, float[] weight, float[] grad) {
        int batch = weight.length;
        int d = target.length / batch;
        double c = reduction.factor(d);
        double total = 0;
        for (int b = 0; b < batch; b++) {
            double w = weight[b];
            double sum = 0;
            for (int i = b * d; i < (b + 1) * d; i++) {
                double diff = out[i] - target[i];
                sum += diff * diff;
                grad[i] = (float) (2 * c * w * diff);
            }
            total += w * c * sum;
        }
        return total / batch;
    }

    private void backward(Buffers b, INDArray features) {
        int top = hiddenLayers;
        INDArray below = b.activations[top - 1];
        Nd4j.gemm(below, b.outGradient, weightGradients[top], true, false, 1.0, 0.0);
        NdArrays.write(biasGradients[top], columnSums(b.gradientValues, b.batch));
        INDArray eps = b.epsilons[0];
        Nd4j.gemm(b.outGradient, weights[top], eps, false, true, 1.0, 0.0);
        for (int l = top - 1; l >= 0; l--) {
            INDArray delta = b.derivatives[l];
            Kernels.siluBackward(eps, delta, biasGradients[l]);
            INDArray x = l == 0 ? features : b.activations[l - 1];
            Nd4j.gemm(x, delta, weightGradients[l], true, false, 1.0, 0.0);
            if (l > 0) {
                eps = b.epsilons[eps == b.epsilons[0] ? 1 : 0];
                Nd4j.gemm(delta, weights[l], eps, false, true, 1.0, 0.0);
            }
        }
    }

    /** The column sums of row-major {@code [rows, values.length / rows]} values, in float64. */
    private static double[] columnSums(float[] values, int rows) {
        int d = values.length / rows;
        double[] sums = new double[d];
        for (int i = 0; i < values.length; i++) {
            sums[i % d] += values[i];
        }
        return sums;
    }

    private static void notify(Collection<TrainingListener> listeners,
            java.util.function.Consumer<TrainingListener> call) {
        if (listeners.isEmpty()) {
            return;
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (TrainingListener l : listeners) {
                call.accept(l);
            }
        }
    }
}
