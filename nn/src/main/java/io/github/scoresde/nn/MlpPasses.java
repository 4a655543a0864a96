package io.github.scoresde.nn;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.kernels.Kernels;
import io.github.scoresde.core.kernels.MatrixProducts;
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
 * its per-step workspaces, per-layer arrays and ND4J ops between the products (docs/performance.md,
 * "The product path: the toy MLP").
 *
 * <ul>
 *   <li>Forward: per hidden layer z = x W ({@link MatrixProducts#gemm}) into a column-major array, then
 *       bias + SiLU in one pass that also keeps SiLU'(z + b) ({@link Kernels#biasSilu}); the
 *       output layer's product.</li>
 *   <li>The weighted denoising score-matching loss and its gradient w_b 2c (out - target), the
 *       output bias added, in one pass over the outputs
 *       ({@link DenoisingScoreMatchingLoss#sumAndGradient}; docs/math.md section 7).</li>
 *   <li>Backward: per layer, from the top, delta = eps SiLU' with the bias gradient in the same
 *       pass ({@link Kernels#siluBackward}), dW = x^T delta and eps = delta W^T (none for the first
 *       layer), written into the network's flat gradient array.</li>
 *   <li>Then the score, DL4J's listener calls (forward pass, backward pass, gradient), the
 *       optimiser step and the iteration count, as DL4J's stochastic gradient descent does them:
 *       for the one {@link FusedAdam} block of an MLP, one pass that divides by the batch size,
 *       clips, steps Adam and updates the parameters; for any other updater, DL4J's own updater
 *       and the subtraction.</li>
 * </ul>
 *
 * The arrays of a pass are allocated for one batch size and reused until it changes. The same
 * results as DL4J's {@code fit} to float32 rounding (MlpScoreNetworkTest). Applies to float32
 * networks of fused SiLU layers and a fused output layer with the denoising loss, without
 * regularisation, gradient normalisation or input preprocessors ({@link #of}); not thread-safe.
 */
final class MlpPasses {
    /** The network's input rows for (x, t, labels): {@link MlpScoreNetwork#features(float[], double[], int[])}. */
    @FunctionalInterface
    interface Features {
        INDArray of(float[] x, double[] t, int[] labels);
    }

    private final MultiLayerNetwork network;
    private final Features features;
    private final int hiddenLayers;
    private final INDArray[] weights;
    private final INDArray[] biases;
    /** Views of the network's flat gradient, per layer (what DL4J's updater reads). */
    private final INDArray[] weightGradients;
    private final INDArray[] biasGradients;
    private final LossReduction reduction;
    private final Gradient gradient;
    private Pass pass;

    /**
     * The arrays of the passes for one batch size (the activations, SiLU' and epsilons
     * column-major), reused until the size changes.
     */
    private final class Pass {
        final int batch;
        final INDArray[] activations;
        final INDArray[] derivatives;
        final INDArray out;
        final INDArray outGradient;
        final INDArray[] epsilons;
        final float[] outValues;
        final float[] gradientValues;
        INDArray input;
        double lossSum;

        Pass(int batch) {
            this.batch = batch;
            long width = weights[0].columns();
            int d = (int) weights[hiddenLayers].columns();
            activations = new INDArray[hiddenLayers];
            derivatives = new INDArray[hiddenLayers];
            for (int l = 0; l < hiddenLayers; l++) {
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

        /** Features, forward pass, loss, backward pass. */
        void run(float[] x, double[] t, int[] labels, float[] target, float[] weight) {
            input = features.of(x, t, labels);
            INDArray h = input;
            for (int l = 0; l < hiddenLayers; l++) {
                INDArray z = activations[l];
                MatrixProducts.gemm(h, weights[l], z, false, false);
                Kernels.biasSilu(z, biases[l], z, derivatives[l]);
                h = z;
            }
            MatrixProducts.gemm(h, weights[hiddenLayers], out, false, false);
            lossSum = DenoisingScoreMatchingLoss.sumAndGradient(reduction, NdArrays.toFloats(out, outValues),
                    NdArrays.toFloats(biases[hiddenLayers]), target, weight, gradientValues);
            NdArrays.write(outGradient, gradientValues);
            backward();
        }

        /**
         * From the top: dW = h^T delta and the output's bias gradient, eps = delta W^T; per hidden
         * layer delta = eps SiLU' with its bias gradient, dW = x^T delta, and eps for the layer below
         * (none for the first).
         */
        private void backward() {
            int top = hiddenLayers;
            MatrixProducts.gemm(activations[top - 1], outGradient, weightGradients[top], true, false);
            NdArrays.write(biasGradients[top], columnSums(gradientValues, batch));
            INDArray eps = epsilons[0];
            MatrixProducts.gemm(outGradient, weights[top], eps, false, true);
            for (int l = top - 1; l >= 0; l--) {
                INDArray delta = derivatives[l];
                Kernels.siluBackward(eps, delta, biasGradients[l]);
                MatrixProducts.gemm(l == 0 ? input : activations[l - 1], delta, weightGradients[l], true, false);
                if (l > 0) {
                    eps = epsilons[eps == epsilons[0] ? 1 : 0];
                    MatrixProducts.gemm(delta, weights[l], eps, false, true);
                }
            }
        }
    }

    private MlpPasses(MultiLayerNetwork network, LossReduction reduction, Features features) {
        this.network = network;
        this.reduction = reduction;
        this.features = features;
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
    static MlpPasses of(MultiLayerNetwork network, Features features) {
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
        return new MlpPasses(network, loss.getReduction(), features);
    }

    /**
     * One optimisation step on a batch (row-major Java arrays, as {@link DenoisingBatch} holds them).
     *
     * @param x the perturbed points, {@code [batch, d]} row-major
     * @param t the times, {@code [batch]}
     * @param labels the class labels (-1: no label), or null
     * @param target the regression targets, row-major {@code [batch, d]}
     * @param weight the per-example loss weights, {@code [batch]}
     * @return the batch's loss before the step (the mean over examples, DL4J's score)
     */
    double fit(float[] x, double[] t, int[] labels, float[] target, float[] weight) {
        int batch = weight.length;
        if (pass == null || pass.batch != batch) {
            pass = new Pass(batch);
        }
        Pass p = pass;
        p.run(x, t, labels, target, weight);
        double score = p.lossSum / batch;
        Collection<TrainingListener> listeners = network.getListeners();
        if (!listeners.isEmpty()) {
            List<INDArray> activations = new ArrayList<>();
            activations.add(p.input);
            activations.addAll(List.of(p.activations)); // as DL4J's: the output layer's is not among them
            notify(listeners, l -> l.onForwardPass(network, activations));
        }
        NdArrays.release(p.input);
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
            INDArray params = network.params();
            params.subi(network.getFlattenedGradients().reshape(params.shape()));
        }
        notify(listeners, l -> l.iterationDone(network, iteration, epoch));
        network.setIterationCount(iteration + 1);
        return score;
    }

    /**
     * What DL4J's updater does to the gradient when it is one {@link FusedAdam} block over every
     * parameter (the toy MLP's), and the step of the parameters: the division by the batch size
     * folded into the step's scale, the update subtracted in the same pass
     * ({@link FusedAdam.Step#step}; DL4J's updater and its subtraction take about 1 ms more).
     *
     * @return false, with nothing done (DL4J's updater then runs), for any other updater layout or
     *     off the vector path
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
                && adam.step(network.getFlattenedGradients(), divisor, network.params(), iteration, epoch);
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
