package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.util.ArrayList;
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
import org.nd4j.linalg.indexing.NDArrayIndex;
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
    private static final double GROUP_NORM_EPS = 1e-5;

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
    private final long activationBytes;
    private double lastLoss = Double.NaN;
    private List<TrainingListener> listeners = List.of();

    private UNetScoreNetwork(UNetConfig config, AdamSettings optimizer, DataType dataType, INDArray params) {
        this.config = config;
        this.optimizer = optimizer;
        this.dataType = dataType;
        this.embedding = FourierTimeEmbedding.random(config.embedding() / 2, config.frequencyScale(), config.seed());
        this.layout = layout(config);
        long n = 0;
        for (long[] s : layout.values()) {
            n += length(s);
        }
        if (params != null && params.length() != n) {
            throw new IllegalArgumentException("the U-Net " + config + " has " + n + " parameters; got "
                    + params.length());
        }
        this.params = params != null ? params.castTo(dataType).reshape(n).dup()
                : initialParams(config, layout, dataType, n);
        this.sd = build();
        long values = 0;
        int[] ch = config.channels();
        int[][] sizes = config.levelSizes();
        for (int i = 0; i < ch.length; i++) {
            // encoder and decoder maps of the level
            values += 2L * ch[i] * sizes[i][0] * sizes[i][1];
        }
        this.activationBytes = values * 12 * (dataType == DataType.DOUBLE ? 8 : 4);
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
        long n = 0;
        for (long[] s : layout(config).values()) {
            n += length(s);
        }
        return n;
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

    // ---------------------------------------------------------------- architecture

    private static Map<String, long[]> layout(UNetConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int e = c.embedding();
        int[] ch = c.channels();
        m.put("embed_W", new long[] {e, e});
        m.put("embed_b", new long[] {e});
        if (c.classes() > 0) {
            m.put("label_E", new long[] {c.classes() + 1, e});
        }
        int in = c.imageChannels();
        for (int i = 0; i < ch.length; i++) {
            m.put("enc" + i + "_conv", new long[] {3, 3, in, ch[i]});
            m.put("enc" + i + "_dense_W", new long[] {e, ch[i]});
            m.put("enc" + i + "_dense_b", new long[] {ch[i]});
            m.put("enc" + i + "_gn_gamma", new long[] {ch[i]});
            m.put("enc" + i + "_gn_beta", new long[] {ch[i]});
            in = ch[i];
        }
        for (int i = ch.length - 1; i >= 1; i--) {
            long inC = i == ch.length - 1 ? ch[i] : 2L * ch[i];
            // deconv2d weights are [kH, kW, outC, inC]
            m.put("dec" + i + "_tconv", new long[] {3, 3, ch[i - 1], inC});
            m.put("dec" + i + "_dense_W", new long[] {e, ch[i - 1]});
            m.put("dec" + i + "_dense_b", new long[] {ch[i - 1]});
            m.put("dec" + i + "_gn_gamma", new long[] {ch[i - 1]});
            m.put("dec" + i + "_gn_beta", new long[] {ch[i - 1]});
        }
        long lastIn = ch.length == 1 ? ch[0] : 2L * ch[0];
        m.put("out_tconv", new long[] {3, 3, c.imageChannels(), lastIn});
        m.put("out_b", new long[] {c.imageChannels()});
        return m;
    }

    /**
     * PyTorch's default initialisation: weights and biases uniform in +- 1 / sqrt(fan-in) (for a
     * transposed convolution the fan-in counts its output channels, as PyTorch does), GroupNorm
     * scales 1 and shifts 0, the label embedding N(0, 1).
     */
    private static INDArray initialParams(UNetConfig c, Map<String, long[]> layout, DataType type, long n) {
        double[] p = new double[Math.toIntExact(n)];
        RandomSource rng = RandomSource.of(c.seed()).stream(0x11E7);
        int off = 0;
        long tensor = 0;
        Map<String, Double> bounds = new HashMap<>();
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            tensor++;
            String name = en.getKey();
            long[] s = en.getValue();
            int len = (int) length(s);
            if (name.endsWith("_gamma")) {
                Arrays.fill(p, off, off + len, 1);
            } else if (name.endsWith("_beta")) {
                Arrays.fill(p, off, off + len, 0);
            } else if (name.equals("label_E")) {
                for (int i = 0; i < len; i++) {
                    p[off + i] = rng.gaussian(tensor, i);
                }
            } else {
                double fanIn;
                if (name.endsWith("_W")) {
                    fanIn = s[0];
                    bounds.put(name.substring(0, name.length() - 2), fanIn);
                } else if (name.endsWith("_b")) {
                    String w = name.substring(0, name.length() - 2);
                    fanIn = name.equals("out_b") ? 9.0 * layout.get("out_tconv")[2] : bounds.get(w);
                } else {
                    // conv [3, 3, in, out]: fan-in 9 in; transposed conv [3, 3, out, in]: PyTorch counts 9 out
                    fanIn = 9.0 * s[2];
                }
                double bound = 1 / Math.sqrt(fanIn);
                for (int i = 0; i < len; i++) {
                    p[off + i] = (2 * rng.uniform(tensor, i) - 1) * bound;
                }
            }
            off += len;
        }
        return Nd4j.createFromArray(p).castTo(type);
    }

    private SameDiff build() {
        SameDiff g = SameDiff.create();
        // variables view the flat parameter array: arrays are used as given, not copied
        g.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        Map<String, SDVariable> w = new HashMap<>();
        long off = 0;
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            long len = length(en.getValue());
            INDArray view = params.get(NDArrayIndex.interval(off, off + len)).reshape('c', en.getValue());
            w.put(en.getKey(), g.var(en.getKey(), view));
            off += len;
        }
        int c = config.imageChannels();
        SDVariable x = g.placeHolder("x", dataType, -1, c, config.height(), config.width());
        SDVariable fourier = g.placeHolder("fourier", dataType, -1, config.embedding());
        SDVariable e = fourier.mmul(w.get("embed_W")).add(w.get("embed_b"));
        if (config.classes() > 0) {
            SDVariable oneHot = g.placeHolder("label", dataType, -1, config.classes() + 1);
            e = e.add(oneHot.mmul(w.get("label_E")));
        }
        e = silu(g, e);
        int[] ch = config.channels();
        int[][] sizes = config.levelSizes();
        SDVariable[] skips = new SDVariable[ch.length];
        SDVariable h = x;
        for (int i = 0; i < ch.length; i++) {
            int stride = i == 0 ? 1 : 2;
            h = g.cnn.conv2d(h, w.get("enc" + i + "_conv"), Conv2DConfig.builder().kH(3).kW(3).sH(stride).sW(stride)
                    .paddingMode(PaddingMode.VALID).weightsFormat(WeightsFormat.YXIO).dataFormat("NCHW").build());
            h = block(g, h, e, w, "enc" + i, config.groupsAt(i, true), ch[i], sizes[i]);
            skips[i] = h;
        }
        for (int i = ch.length - 1; i >= 1; i--) {
            SDVariable in = i == ch.length - 1 ? h : g.concat(1, h, skips[i]);
            h = g.cnn.deconv2d(in, w.get("dec" + i + "_tconv"), DeConv2DConfig.builder().kH(3).kW(3).sH(2).sW(2)
                    .isSameMode(false).dataFormat("NCHW").build());
            h = padTo(g, h, sizes[i][0], sizes[i][1], sizes[i - 1][0], sizes[i - 1][1]);
            h = block(g, h, e, w, "dec" + i, config.groupsAt(i - 1, false), ch[i - 1], sizes[i - 1]);
        }
        SDVariable in = ch.length == 1 ? h : g.concat(1, h, skips[0]);
        SDVariable out = g.cnn.deconv2d(in, w.get("out_tconv"), w.get("out_b"), DeConv2DConfig.builder().kH(3).kW(3)
                .sH(1).sW(1).isSameMode(false).dataFormat("NCHW").build());
        out = g.identity("out", out);

        // one scalar whose gradient serves both training (v = 0) and input VJPs (weight = 0):
        // loss = mean_b w_b 1/2 |out_b - target_b|^2 + sum(out * v)
        SDVariable target = g.placeHolder("target", dataType, -1, c, config.height(), config.width());
        SDVariable weight = g.placeHolder("weight", dataType, -1);
        SDVariable v = g.placeHolder("v", dataType, -1, c, config.height(), config.width());
        SDVariable diff = out.sub(target);
        SDVariable perExample = diff.mul(diff).sum(1, 2, 3).mul(weight).mul(0.5);
        g.identity("dsm", perExample.mean());
        SDVariable probe = out.mul(v).sum();
        SDVariable total = perExample.mean().add(probe);
        g.identity("loss", total);
        g.setLossVariables("loss");
        quietly(() -> g.createGradFunction("x"));
        return g;
    }

    /**
     * Runs an action with System.out silenced: SameDiff M2.1 prints one line per differentiated
     * op while building the gradient graph.
     */
    private static void quietly(Runnable action) {
        synchronized (System.class) {
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                action.run();
            } finally {
                System.setOut(out);
            }
        }
    }

    /** h + dense(e) per channel, GroupNorm, SiLU. */
    private static SDVariable block(SameDiff g, SDVariable h, SDVariable e, Map<String, SDVariable> w, String name,
            int groups, int channels, int[] size) {
        SDVariable add = e.mmul(w.get(name + "_dense_W")).add(w.get(name + "_dense_b"));
        h = h.add(g.expandDims(g.expandDims(add, 2), 3));
        h = groupNorm(g, h, groups, channels, size, w.get(name + "_gn_gamma"), w.get(name + "_gn_beta"));
        return silu(g, h);
    }

    private static SDVariable silu(SameDiff g, SDVariable h) {
        return h.mul(g.nn.sigmoid(h));
    }

    /**
     * GroupNorm over [B, C, H, W] composed from reshapes and moments (PyTorch's definition, eps
     * 1e-5); {@code size} is {H, W}.
     */
    private static SDVariable groupNorm(SameDiff g, SDVariable h, int groups, int channels, int[] size,
            SDVariable gamma, SDVariable beta) {
        SDVariable grouped = h.reshape(-1, groups, (long) channels / groups * size[0] * size[1]);
        SDVariable mean = grouped.mean(true, 2);
        SDVariable centred = grouped.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, 2);
        SDVariable norm = centred.div(g.math.sqrt(var.add(GROUP_NORM_EPS))).reshape(-1, channels, size[0], size[1]);
        // the per-channel affine map as a 1x1 depthwise convolution with a bias (native backward
        // passes; a broadcasting multiply's backward is many times slower in M2.1)
        return g.cnn.depthWiseConv2d(norm, gamma.reshape(1, 1, channels, 1), beta, Conv2DConfig.builder().kH(1).kW(1)
                .sH(1).sW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build());
    }

    /** Zero-pads [B, C, h, w] at the bottom and right to [B, C, H, W] (PyTorch's output_padding). */
    private static SDVariable padTo(SameDiff g, SDVariable x, int fromH, int fromW, int toH, int toW) {
        int ph = toH - (2 * (fromH - 1) + 3);
        int pw = toW - (2 * (fromW - 1) + 3);
        if (ph == 0 && pw == 0) {
            return x;
        }
        INDArray pads = Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {0, ph}, {0, pw}});
        return g.nn.pad(x, g.constant(pads), PadMode.CONSTANT, 0.0);
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

    /**
     * Gives this thread's SameDiff sessions (the graph's and its gradient function's) a memory
     * manager whose cache of released arrays is bounded by {@link #CACHE_BYTES} (SameDiff's default
     * may keep up to a quarter of the machine's memory per session).
     */
    private void boundedSessions() {
        long thread = Thread.currentThread().getId();
        SameDiff grad = sd.getFunction("grad");
        for (SameDiff g : new SameDiff[] {sd, grad}) {
            if (g != null && !g.getSessions().containsKey(thread)) {
                org.nd4j.autodiff.samediff.internal.InferenceSession session =
                        new org.nd4j.autodiff.samediff.internal.InferenceSession(g);
                double total = Math.max(1, org.bytedeco.javacpp.Pointer.totalPhysicalBytes());
                session.setMmgr(new org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr(
                        Math.min(0.25, CACHE_BYTES / total), 1024, 2.0));
                g.getSessions().put(thread, session);
            }
        }
    }

    /** The bound of each SameDiff session's array cache. */
    static final double CACHE_BYTES = 512.0 * 1024 * 1024;

    /** The native garbage after which a collection is asked for. */
    static final long GARBAGE_BYTES = 1L << 30;
    private long garbage;

    /**
     * Counts the native memory a call left for the collector (SameDiff's intermediate arrays,
     * about a dozen values per activation) and asks for a collection once it passes
     * {@link #GARBAGE_BYTES}. ND4J frees an array's native memory only after the collector has
     * seen it die, and a U-Net's garbage is all native: the Java heap stays small, so without this
     * the collector runs rarely and the process grew by about 150 MB per training step (past
     * 20 GB in a long run).
     */
    private void produced(long examples, boolean backward) {
        garbage += examples * activationBytes * (backward ? 3 : 1);
        if (garbage > GARBAGE_BYTES) {
            garbage = 0;
            System.gc();
        }
    }

    @Override
    public INDArray output(INDArray x, INDArray t, int[] labels) {
        boundedSessions();
        Map<String, INDArray> ph = inputs(x, t, labels);
        INDArray out = sd.output(ph, "out").get("out").dup();
        produced(x.size(0), false);
        return out;
    }

    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Map<String, INDArray> ph = inputs(x, t, null);
        Checks.notNull("v", v);
        if (!Arrays.equals(v.shape(), x.shape())) {
            throw new IllegalArgumentException("v must have the shape of x " + Arrays.toString(x.shape()) + "; got "
                    + Arrays.toString(v.shape()));
        }
        int n = (int) x.size(0);
        ph.put("target", Nd4j.zeros(dataType, x.shape()));
        ph.put("weight", Nd4j.zeros(dataType, n));
        ph.put("v", v.castTo(dataType));
        boundedSessions();
        INDArray g = sd.calculateGradients(ph, "x").get("x").dup();
        produced(x.size(0), true);
        return g;
    }

    @Override
    public double fit(MultiDataSet batch) {
        Map<String, INDArray> ph = trainingInputs(batch);
        boundedSessions();
        List<String> names = new ArrayList<>(layout.keySet());
        org.nd4j.autodiff.samediff.api.OutAndGrad og = sd.calculateGradientsAndOutputs(ph, List.of("dsm"), names);
        Map<String, INDArray> grads = og.getGradients();
        double loss = og.getOutputs().get("dsm").getDouble(0);
        if (gradient == null) {
            gradient = Nd4j.create(dataType, params.length());
            updaterState = Nd4j.zeros(dataType, 2 * params.length());
            updater = adam().instantiate(updaterState, true);
        }
        long off = 0;
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            long len = length(en.getValue());
            gradient.get(NDArrayIndex.interval(off, off + len)).assign(grads.get(en.getKey()).reshape(len));
            off += len;
        }
        // the step's gradients and outputs are dead once copied: freed now, not by the collector
        io.github.scoresde.core.NdArrays.release(grads.values().toArray(new INDArray[0]));
        io.github.scoresde.core.NdArrays.release(og.getOutputs().values().toArray(new INDArray[0]));
        updater.applyUpdater(gradient, (int) iteration, 0);
        params.subi(gradient);
        lastLoss = loss;
        produced(DenoisingBatch.of(batch).size(), true);
        for (TrainingListener l : listeners) {
            l.iterationDone(ListenerModel.of(this, loss), (int) iteration, 0);
        }
        iteration++;
        return loss;
    }

    private FusedAdam adam() {
        return new FusedAdam(new WarmupSchedule(optimizer.learningRate(), optimizer.warmup()))
                .withGradientClip(optimizer.gradientClip());
    }

    @Override
    public double loss(MultiDataSet batch) {
        boundedSessions();
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

    /** The loss of the last {@link #fit} step (NaN before one). */
    double lastLoss() {
        return lastLoss;
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

    private static long length(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public String toString() {
        return "UNetScoreNetwork[" + config + ", " + params.length() + " parameters]";
    }
}
