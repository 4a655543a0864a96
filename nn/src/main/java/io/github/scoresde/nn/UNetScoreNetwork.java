package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * A time-conditioned U-Net for images {@code [batch, C, H, W]}: the image score
 * network of the library (architecture in {@link UNetConfig}; the tutorial preset is the network
 * of docs/benchmarks.md). Time enters through Gaussian Fourier features (computed outside the
 * graph, like the MLP's), a dense layer and SiLU; the embedding e is projected per level by a
 * dense layer and added per channel after each convolution, followed by GroupNorm and SiLU.
 * A class-conditional network adds a learnt label embedding (with a null class, label -1) to the
 * time embedding before the SiLU.
 *
 * <p>The passes are written out layer by layer ({@code UNetPasses}): libnd4j's convolution ops
 * (oneDNN in the {@code -onednn} builds) and one fused shift + GroupNorm + SiLU kernel per block
 * ({@link io.github.scoresde.core.kernels.GroupNormSilu}), not a SameDiff graph or DL4J layers
 * (docs/performance.md says why). The weights live in one flat array that every layer views, so
 * {@link #params()} is live, the optimiser is the library's {@link FusedAdam} on that array
 * (global-norm clipping, warm-up) and the EMA, checkpoints and model files treat this network like
 * the MLP.
 *
 * <p>The loss is the weighted denoising score-matching loss of {@link DenoisingBatch}, reduced as
 * {@link LossReduction#HALF_SUM} and averaged over the batch. Not thread-safe: the network holds
 * its passes' working arrays (sized for the last batch size); use one network per thread.
 */
public final class UNetScoreNetwork implements ScoreNetwork {

    private final UNetConfig config;
    private final AdamSettings optimizer;
    private final FourierTimeEmbedding embedding;
    private final DataType dataType;
    private final UNetPasses passes;
    private final INDArray params;
    private final Map<String, long[]> layout;
    private INDArray updaterState;
    private GradientUpdater updater;
    private INDArray gradient;
    private long iteration;
    private List<TrainingListener> listeners = List.of();
    private Inputs lastInputs;

    private UNetScoreNetwork(UNetConfig config, AdamSettings optimizer, DataType dataType, INDArray params) {
        this.config = config;
        this.optimizer = optimizer;
        this.dataType = dataType;
        this.embedding = FourierTimeEmbedding.random(config.embedding() / 2, config.frequencyScale(), config.seed());
        this.layout = UNetGraph.layout(config);
        long n = UNetGraph.size(layout);
        if (params != null && params.length() != n) {
            throw new IllegalArgumentException("the U-Net " + config + " has " + n + " parameters; got "
                    + params.length());
        }
        this.params = params != null ? params.castTo(dataType).reshape(n).dup()
                : UNetGraph.initialParams(config, layout, dataType, n);
        this.passes = new UNetPasses(config, this.params, layout, dataType);
    }

    /** A freshly initialised network optimised with {@link AdamSettings#defaults()}. */
    public static UNetScoreNetwork create(UNetConfig config) {
        return create(config, AdamSettings.defaults());
    }

    /** A freshly initialised float32 network. */
    public static UNetScoreNetwork create(UNetConfig config, AdamSettings optimizer) {
        return create(config, optimizer, DataType.FLOAT);
    }

    /** A freshly initialised network of the given data type (float64 for gradient checks). */
    public static UNetScoreNetwork create(UNetConfig config, AdamSettings optimizer, DataType dataType) {
        return new UNetScoreNetwork(Checks.notNull("config", config), Checks.notNull("optimizer", optimizer),
                Checks.notNull("dataType", dataType), null);
    }

    /**
     * A network with the given weights (copied; e.g. read from a model file).
     *
     * @param params the flat parameters, {@link #numParams(UNetConfig)} values in {@link #parameterLayout()} order
     * @throws IllegalArgumentException when their number does not match the configuration
     */
    public static UNetScoreNetwork withParameters(UNetConfig config, AdamSettings optimizer, INDArray params) {
        return new UNetScoreNetwork(Checks.notNull("config", config), Checks.notNull("optimizer", optimizer),
                DataType.FLOAT, Checks.notNull("params", params));
    }

    /** The number of trainable parameters of a configuration (the Fourier frequencies are fixed, not counted). */
    public static long numParams(UNetConfig config) {
        return UNetGraph.size(UNetGraph.layout(config));
    }

    /** The architecture. */
    public UNetConfig config() {
        return config;
    }

    /** How the network is optimised. */
    public AdamSettings optimizer() {
        return optimizer;
    }

    /** The fixed time embedding. */
    public FourierTimeEmbedding embedding() {
        return embedding;
    }

    /** The parameter names and shapes, in the order of {@link #params()}. */
    public Map<String, long[]> parameterLayout() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        layout.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    // ---------------------------------------------------------------- ScoreNetwork

    @Override
    public long[] sampleShape() {
        return config.sampleShape();
    }

    @Override
    public int classes() {
        return config.classes();
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    @Override
    public INDArray output(INDArray x, INDArray t, int[] labels) {
        return forward(inputs(x, t, labels)).dup();
    }

    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Inputs in = inputs(x, t, null);
        Checks.cotangent(v, x);
        forward(in);
        INDArray cotangent = v.dataType() == dataType && v.ordering() == 'c' ? v : v.castTo(dataType).dup('c');
        return passes.backward(cotangent, UNetPasses.Wrt.INPUT, null);
    }

    @Override
    public double fit(MultiDataSet batch) {
        BatchGradient g = gradient(batch);
        step(g.gradient(), g.loss());
        // copied by the step: its native memory is freed now, not when the collector runs
        io.github.scoresde.core.NdArrays.release(g.gradient());
        return g.loss();
    }

    /**
     * A batch's loss and the gradient of it with respect to the parameters, without a step: what
     * a data-parallel trainer computes on each worker's share of a batch and averages, weighted by
     * the examples, before one {@link #step} (docs/distributed.md).
     *
     * @param loss the batch's mean weighted denoising loss
     * @param gradient its gradient, flat in the order of {@link #params()}, a new array the caller owns
     * @param examples the batch size
     */
    public record BatchGradient(double loss, INDArray gradient, long examples) implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The loss and gradient of one batch laid out by {@link DenoisingBatch}; no step is taken. */
    public BatchGradient gradient(MultiDataSet batch) {
        DenoisingBatch b = checked(batch);
        INDArray residual = residual(b);
        int n = b.size();
        INDArray weight = b.weight().castTo(dataType).reshape(n, 1);
        double loss = loss(residual, weight);
        // d/d(out) of mean_b w_b |out_b - target_b|^2 / 2: (w_b / n) (out_b - target_b)
        residual.reshape(n, -1).muliColumnVector(weight.div(n));
        INDArray flat = Nd4j.create(dataType, params.length());
        passes.backward(residual, UNetPasses.Wrt.PARAMETERS, flat);
        io.github.scoresde.core.NdArrays.release(residual);
        return new BatchGradient(loss, flat, n);
    }

    /**
     * One optimiser step (Adam with this network's settings, clipping and warm-up) along a
     * gradient, then the listeners (the EMA), as {@link #fit} after its gradient.
     *
     * @param grad the gradient of the loss, flat {@code [P]}; consumed (the updater scales it in place)
     * @param loss the loss it came from, for the listeners
     */
    public void step(INDArray grad, double loss) {
        Checks.notNull("grad", grad);
        if (grad.length() != params.length()) {
            throw new IllegalArgumentException("the gradient holds " + grad.length() + " values; this network has "
                    + params.length() + " parameters");
        }
        if (gradient == null) {
            gradient = Nd4j.create(dataType, params.length());
            updaterState = Nd4j.zeros(dataType, 2 * params.length());
            updater = adam().instantiate(updaterState, true);
        }
        gradient.assign(grad.reshape(params.length()));
        updater.applyUpdater(gradient, (int) iteration, 0);
        params.subi(gradient);
        for (TrainingListener l : listeners) {
            l.iterationDone(ListenerModel.of(this, loss), (int) iteration, 0);
        }
        iteration++;
    }

    private FusedAdam adam() {
        return new FusedAdam(new WarmupSchedule(optimizer.learningRate(), optimizer.warmup()))
                .withGradientClip(optimizer.gradientClip());
    }

    @Override
    public double loss(MultiDataSet batch) {
        DenoisingBatch b = checked(batch);
        return loss(residual(b), b.weight().castTo(dataType).reshape(b.size(), 1));
    }

    /** out - target for a batch, a new array {@code [B, C, H, W]}. */
    private INDArray residual(DenoisingBatch b) {
        return forward(inputs(b.perturbed(), b.times(), b.labels())).sub(b.target().castTo(dataType));
    }

    /** The batch's loss mean_b w_b |r_b|^2 / 2 from the residuals r = out - target and the weights {@code [B, 1]}. */
    private static double loss(INDArray residual, INDArray weight) {
        INDArray r = residual.reshape(residual.size(0), -1);
        return r.mul(r).sum(1).reshape(weight.shape()).muli(weight).sumNumber().doubleValue() / 2 / r.size(0);
    }

    private INDArray forward(Inputs in) {
        // the time features and labels are made here for each pass and kept by the passes for the
        // backward pass: the last pass's are freed now that they are replaced
        if (lastInputs != null) {
            io.github.scoresde.core.NdArrays.release(lastInputs.fourier(), lastInputs.oneHot());
        }
        lastInputs = in;
        return passes.forward(in.x(), in.fourier(), in.oneHot());
    }

    @Override
    public INDArray params() {
        return params;
    }

    @Override
    public UNetScoreNetwork withParameters(INDArray p) {
        UNetScoreNetwork copy = new UNetScoreNetwork(config, optimizer, dataType, Checks.notNull("params", p));
        return copy;
    }

    @Override
    public void setListeners(List<TrainingListener> l) {
        this.listeners = List.copyOf(Checks.notNull("listeners", l));
    }

    /**
     * The optimiser state: the step count and Adam's moments as one flat array {@code [2 P]} (a
     * copy), or null before the first step.
     */
    public OptimizerState optimizerState() {
        return updaterState == null ? null : new OptimizerState(iteration, updaterState.dup());
    }

    /**
     * Restores the optimiser state of {@link #optimizerState()} (e.g. from a checkpoint).
     *
     * @throws IllegalArgumentException when its size does not match the parameters
     */
    public void restoreOptimizerState(OptimizerState state) {
        Checks.notNull("state", state);
        if (state.moments().length() != 2 * params.length()) {
            throw new IllegalArgumentException("the optimiser state holds " + state.moments().length()
                    + " values; this network needs " + 2 * params.length());
        }
        gradient = Nd4j.create(dataType, params.length());
        updaterState = state.moments().castTo(dataType).reshape(2 * params.length()).dup();
        updater = adam().instantiate(updaterState, false);
        iteration = state.iteration();
    }

    /**
     * Adam's state.
     *
     * @param iteration the number of steps taken
     * @param moments the first then second moments, {@code [2 P]}
     */
    public record OptimizerState(long iteration, INDArray moments) {
    }

    /** One pass's inputs: x in this network's data type, its time features, its labels one-hot (or null). */
    private record Inputs(INDArray x, INDArray fourier, INDArray oneHot) {
    }

    private Inputs inputs(INDArray x, INDArray t, int[] labels) {
        Checks.batchOf("x", x, config.sampleShape());
        int n = (int) x.size(0);
        Checks.notNull("t", t);
        if (t.length() != n) {
            throw new IllegalArgumentException("t must hold one time per example (" + n + "); got " + t.length());
        }
        if (config.classes() == 0 && labels != null) {
            throw new IllegalArgumentException("labels were given to an unconditional network");
        }
        return new Inputs(x.dataType() == dataType ? x : x.castTo(dataType), embedding.embed(t.reshape(n), dataType),
                config.classes() > 0 ? oneHot(labels, n) : null);
    }

    private DenoisingBatch checked(MultiDataSet batch) {
        DenoisingBatch b = DenoisingBatch.of(batch);
        if (!Arrays.equals(b.sampleShape(), config.sampleShape())) {
            throw new IllegalArgumentException("the batch holds samples of shape " + Arrays.toString(b.sampleShape())
                    + "; this network takes " + Arrays.toString(config.sampleShape()));
        }
        return b;
    }

    private INDArray oneHot(int[] labels, int n) {
        int k = config.classes();
        INDArray y = Nd4j.zeros(dataType, n, k + 1);
        for (int i = 0; i < n; i++) {
            int label = labels == null ? -1 : labels[i];
            if (label < -1 || label >= k) {
                throw new IllegalArgumentException("labels must lie in [0, " + k + ") or be -1 (no label); got "
                        + label + " at index " + i);
            }
            y.putScalar(i, label < 0 ? k : label, 1.0);
        }
        return y;
    }

    @Override
    public String toString() {
        return "UNetScoreNetwork[" + config + ", " + params.length() + " parameters]";
    }
}
