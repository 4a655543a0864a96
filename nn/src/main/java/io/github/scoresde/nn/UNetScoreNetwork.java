package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.enums.PadMode;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * A time-conditioned U-Net for images {@code [batch, C, H, W]}, in SameDiff: the image score
 * network of the library (architecture in {@link UNetConfig}; the tutorial preset is the network
 * of docs/benchmarks.md). Time enters through Gaussian Fourier features (computed outside the
 * graph, like the MLP's), a dense layer and SiLU; the embedding e is projected per level by a
 * dense layer and added per channel after each convolution, followed by GroupNorm and SiLU.
 * A class-conditional network adds a learnt label embedding (with a null class, label -1) to the
 * time embedding before the SiLU.
 *
 * <p>Why SameDiff and not a DL4J graph: in DL4J M2.1 a SameDiff layer inside a ComputationGraph
 * back-propagates twice the gradient, DL4J's convolution layer does not reach oneDNN, and it has
 * no GroupNorm (docs/architecture.md). The weights live in one flat float array that every
 * SameDiff variable views, so {@link #params()} is live, the optimiser is the library's
 * {@link FusedAdam} on that array (global-norm clipping, warm-up) and the EMA, checkpoints and
 * model files treat this network like the MLP.
 *
 * <p>The loss is the weighted denoising score-matching loss of {@link DenoisingBatch}, reduced as
 * {@link LossReduction#HALF_SUM} and averaged over the batch. Not thread-safe: one SameDiff
 * instance holds the graph's working arrays; use one network per thread.
 */
public final class UNetScoreNetwork implements ScoreNetwork {

    private final UNetConfig config;
    private final AdamSettings optimizer;
    private final FourierTimeEmbedding embedding;
    private final DataType dataType;
    private final SameDiff sd;
    private final INDArray params;
    private final Map<String, long[]> layout;
    private INDArray updaterState;
    private GradientUpdater updater;
    private INDArray gradient;
    private long iteration;
    private final SameDiffMemory memory;
    private List<TrainingListener> listeners = List.of();

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
        this.sd = UNetGraph.build(config, this.params, layout, dataType);
        long values = 0;
        int[] ch = config.channels();
        int[][] sizes = config.levelSizes();
        for (int i = 0; i < ch.length; i++) {
            // encoder and decoder maps of the level
            values += 2L * ch[i] * sizes[i][0] * sizes[i][1];
        }
        this.memory = new SameDiffMemory(sd, values * 12 * (dataType == DataType.DOUBLE ? 8 : 4));
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
        memory.boundSessions();
        Map<String, INDArray> ph = inputs(x, t, labels);
        INDArray out = sd.output(ph, "out").get("out").dup();
        memory.produced(x.size(0), false);
        return out;
    }

    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Map<String, INDArray> ph = inputs(x, t, null);
        Checks.cotangent(v, x);
        int n = (int) x.size(0);
        ph.put("target", Nd4j.zeros(dataType, x.shape()));
        ph.put("weight", Nd4j.zeros(dataType, n));
        ph.put("v", v.castTo(dataType));
        memory.boundSessions();
        INDArray g = sd.calculateGradients(ph, "x").get("x").dup();
        memory.produced(x.size(0), true);
        return g;
    }

    @Override
    public double fit(MultiDataSet batch) {
        BatchGradient g = gradient(batch);
        step(g.gradient(), g.loss());
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
        Map<String, INDArray> ph = trainingInputs(batch);
        memory.boundSessions();
        org.nd4j.autodiff.samediff.api.OutAndGrad og = sd.calculateGradientsAndOutputs(ph, List.of("dsm"),
                layout.keySet());
        Map<String, INDArray> grads = og.getGradients();
        double loss = og.getOutputs().get("dsm").getDouble(0);
        INDArray flat = Nd4j.create(dataType, params.length());
        UNetGraph.flatten(grads, layout, flat);
        // the step's gradients and outputs are dead once copied: freed now, not by the collector
        io.github.scoresde.core.NdArrays.release(grads.values().toArray(new INDArray[0]));
        io.github.scoresde.core.NdArrays.release(og.getOutputs().values().toArray(new INDArray[0]));
        long n = ph.get("x").size(0);
        memory.produced(n, true);
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
        memory.boundSessions();
        return sd.output(trainingInputs(batch), "dsm").get("dsm").getDouble(0);
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

    private Map<String, INDArray> inputs(INDArray x, INDArray t, int[] labels) {
        Checks.batchOf("x", x, config.sampleShape());
        int n = (int) x.size(0);
        Checks.notNull("t", t);
        if (t.length() != n) {
            throw new IllegalArgumentException("t must hold one time per example (" + n + "); got " + t.length());
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("x", x.dataType() == dataType ? x : x.castTo(dataType));
        ph.put("fourier", embedding.embed(t.reshape(n), dataType));
        if (config.classes() > 0) {
            ph.put("label", oneHot(labels, n));
        } else if (labels != null) {
            throw new IllegalArgumentException("labels were given to an unconditional network");
        }
        return ph;
    }

    private Map<String, INDArray> trainingInputs(MultiDataSet batch) {
        DenoisingBatch b = DenoisingBatch.of(batch);
        if (!Arrays.equals(b.sampleShape(), config.sampleShape())) {
            throw new IllegalArgumentException("the batch holds samples of shape " + Arrays.toString(b.sampleShape())
                    + "; this network takes " + Arrays.toString(config.sampleShape()));
        }
        Map<String, INDArray> ph = inputs(b.perturbed(), b.times(), b.labels());
        ph.put("target", b.target().castTo(dataType));
        ph.put("weight", b.weight().castTo(dataType).reshape(b.size()));
        ph.put("v", Nd4j.zeros(dataType, b.perturbed().shape()));
        return ph;
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
