package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The {@link ScoreNetwork} for vector data, net(x, t) with x {@code [batch, d]} and t
 * {@code [batch]}: the Gaussian Fourier features of t ({@link FourierTimeEmbedding}) concatenated
 * with x, a stack of dense layers (SiLU by default) and a linear output of d values (BENCHMARKS.md,
 * "toy MLP"). The DL4J network is a {@link MultiLayerNetwork} whose input is [x, emb(t)] and whose
 * output layer carries the {@link DenoisingScoreMatchingLoss}, so DL4J's own {@code fit},
 * updaters, listeners and ParallelWrapper can train it: {@link #fit(MultiDataSet)} turns a
 * {@link DenoisingBatch} into the DL4J batch that network reads ({@link #trainingBatch}).
 *
 * <p>Input gradients: a second network built from the same configuration but with a
 * {@link LinearProbeLoss} output shares the parameters live and back-propagates v to obtain
 * v^T (d net / d x) through DL4J's public {@code calculateGradients}. float32 throughout.
 *
 * <p>Weights are initialised uniformly in +- 1 / sqrt(fan-in) (DL4J's {@code UNIFORM}, the same
 * range as PyTorch's default for linear layers); biases start at 0. Gradient clipping is by the
 * global L2 norm over all parameters, as in the reference code, done inside the updater
 * ({@link FusedAdam#getGradientClip()}): DL4J's own gradient normalisation clips per layer.
 */
public final class MlpScoreNetwork implements ScoreNetwork {
    private final MlpConfig config;
    private final AdamSettings optimizer;
    private final FourierTimeEmbedding embedding;
    private final MultiLayerNetwork network;
    private MultiLayerNetwork probe;
    private MultiLayerNetwork tail;
    private INDArray tailParams;
    private MlpPasses passes;
    private boolean passesChecked;

    private MlpScoreNetwork(MlpConfig config, AdamSettings optimizer, FourierTimeEmbedding embedding,
            MultiLayerNetwork network) {
        this.config = config;
        this.optimizer = optimizer;
        this.embedding = embedding;
        this.network = network;
    }

    /** A freshly initialised network optimised with {@link AdamSettings#defaults()}. */
    public static MlpScoreNetwork create(MlpConfig config) {
        return create(config, AdamSettings.defaults());
    }

    /** A freshly initialised network with the given optimiser settings. */
    public static MlpScoreNetwork create(MlpConfig config, AdamSettings optimizer) {
        return create(config, optimizer, DataType.FLOAT);
    }

    /** A freshly initialised network of the given data type (float64 for gradient checks). */
    static MlpScoreNetwork create(MlpConfig config, AdamSettings optimizer, DataType dataType) {
        Checks.notNull("config", config);
        Checks.notNull("optimizer", optimizer);
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(config, optimizer,
                new DenoisingScoreMatchingLoss(config.reduction()), dataType));
        net.init();
        FourierTimeEmbedding emb = FourierTimeEmbedding.random(config.frequencies(), config.frequencyScale(),
                config.seed());
        return new MlpScoreNetwork(config, optimizer, emb, net);
    }

    /**
     * Wraps an existing DL4J network (e.g. one restored from a file) with its configuration and
     * time embedding, checking that they agree.
     *
     * @throws IllegalArgumentException when the network's input or output size does not match
     */
    public static MlpScoreNetwork wrap(MlpConfig config, AdamSettings optimizer, FourierTimeEmbedding embedding,
            MultiLayerNetwork network) {
        Checks.notNull("config", config);
        Checks.notNull("optimizer", optimizer);
        Checks.notNull("embedding", embedding);
        Checks.notNull("network", network);
        long in = network.layerInputSize(0);
        long out = network.layerSize(network.getnLayers() - 1);
        if (in != config.inputSize() || out != config.dimension()
                || embedding.size() != 2 * config.frequencies()) {
            throw new IllegalArgumentException("network with " + in + " inputs and " + out + " outputs does not match "
                    + "dimension " + config.dimension() + " with " + embedding.size() + " time features");
        }
        return new MlpScoreNetwork(config, optimizer, embedding, network);
    }

    static MultiLayerConfiguration configuration(MlpConfig c, AdamSettings optimizer, ILossFunction loss,
            DataType dataType) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(io.github.scoresde.core.RandomSource.nonZeroSeed(c.seed()))
                .dataType(dataType).weightInit(WeightInit.UNIFORM).biasInit(0)
                .updater(new FusedAdam(new WarmupSchedule(optimizer.learningRate(), optimizer.warmup()))
                        .withGradientClip(optimizer.gradientClip()));
        NeuralNetConfiguration.ListBuilder list = b.list();
        long in = c.inputSize();
        for (int i = 0; i < c.depth(); i++) {
            FusedDenseLayer layer = FusedDenseLayer.of(i == 0 ? in : c.width(), c.width(), c.activation());
            // the trained network's input gradient is never used (fit drops it; the VJP probe,
            // built with the LinearProbeLoss, computes its own)
            list.layer(i == 0 && !(loss instanceof LinearProbeLoss) ? layer.withoutInputGradient() : layer);
        }
        list.layer(FusedOutputLayer.of(c.width(), c.dimension(), Activation.IDENTITY, loss));
        return list.build();
    }

    /** The architecture. */
    public MlpConfig config() {
        return config;
    }

    /** How the network is optimised. */
    public AdamSettings optimizer() {
        return optimizer;
    }

    /** The time embedding. */
    public FourierTimeEmbedding embedding() {
        return embedding;
    }

    /** The DL4J network (input [x, emb(t)], output d values). */
    public MultiLayerNetwork network() {
        return network;
    }

    /** The network's data type (float32 unless created otherwise for tests). */
    @Override
    public DataType dataType() {
        return network.getLayerWiseConfigurations().getDataType();
    }

    /** d. */
    public int dimension() {
        return config.dimension();
    }

    /**
     * The network's input for (x, t): {@code [batch, d + 2m]} float32, x then the time features
     * (and, for a class-conditional network, the one-hot of the "no label" class).
     */
    public INDArray features(INDArray x, INDArray t) {
        return features(x, t, null);
    }

    /**
     * The network's input for (x, t, y): x, the time features, and for a class-conditional network
     * the one-hot of K + 1 values of each label (label -1, or null labels, is the "no label" class).
     */
    public INDArray features(INDArray x, INDArray t, int[] labels) {
        int batch = Checks.batchOf("x", x, new long[] {config.dimension()});
        if (t.length() != batch) {
            throw new IllegalArgumentException("t must have shape [" + batch + "]; got " + Arrays.toString(t.shape()));
        }
        checkLabels(labels, batch);
        double[] tv = t.castTo(DataType.DOUBLE).toDoubleVector();
        if (dataType() == DataType.FLOAT) {
            return featuresOf(NdArrays.toFloats(x), null, tv, labels, batch);
        }
        return featuresOf(null, NdArrays.toDoubles(x), tv, labels, batch);
    }

    /**
     * {@link #features(INDArray, INDArray, int[])} from Java arrays: x row-major {@code [batch, d]}
     * float32 values (converted to the network's data type), t one time per example; for callers
     * that build x in Java (the denoising score-matching batches), without an ND4J array for x and
     * t. The same values as the ND4J variant.
     *
     * @throws IllegalArgumentException when x does not hold {@code t.length} rows of d values, or
     *     on labels as in the ND4J variant
     */
    public INDArray features(float[] x, double[] t, int[] labels) {
        Checks.notNull("x", x);
        Checks.notNull("t", t);
        if (x.length != t.length * (long) config.dimension()) {
            throw new IllegalArgumentException("x must hold " + t.length + " rows of " + config.dimension()
                    + " values (one per time); got " + x.length + " values");
        }
        checkLabels(labels, t.length);
        if (dataType() == DataType.FLOAT) {
            return featuresOf(x, null, t, labels, t.length);
        }
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        return featuresOf(null, xd, t, labels, t.length);
    }

    private void checkLabels(int[] labels, int batch) {
        if (labels != null && config.classes() == 0) {
            throw new IllegalArgumentException("labels given to an unconditional network");
        }
        if (labels != null && labels.length != batch) {
            throw new IllegalArgumentException("labels must hold one label per example (" + batch + "); got "
                    + labels.length);
        }
        for (int b = 0; labels != null && b < batch; b++) {
            if (labels[b] < -1 || labels[b] >= config.classes()) {
                throw new IllegalArgumentException("labels must lie in [0, " + config.classes()
                        + ") or be -1 (no label); got " + labels[b] + " at index " + b);
            }
        }
    }

    /** The feature rows from x as float32 ({@code xf}) or float64 ({@code xd}) row-major values. */
    private INDArray featuresOf(float[] xf, double[] xd, double[] tv, int[] labels, int batch) {
        int k = config.classes();
        int d = config.dimension();
        int e = embedding.size();
        int width = config.inputSize();
        double[] emb = new double[e];
        float[] embF = new float[e];
        boolean f32 = xf != null;
        float[] outF = f32 ? new float[batch * width] : null;
        double[] outD = f32 ? null : new double[batch * width];
        double last = Double.NaN;
        for (int b = 0; b < batch; b++) {
            if (tv[b] != last) {
                if (f32) {
                    embedding.fill(tv[b], embF, 0);
                } else {
                    embedding.fill(tv[b], emb, 0);
                }
                last = tv[b];
            }
            if (f32) {
                System.arraycopy(xf, b * d, outF, b * width, d);
                System.arraycopy(embF, 0, outF, b * width + d, e);
            } else {
                System.arraycopy(xd, b * d, outD, b * width, d);
                System.arraycopy(emb, 0, outD, b * width + d, e);
            }
            if (k > 0) {
                int y = labels == null ? -1 : labels[b]; // checked by checkLabels
                int at = b * width + d + e + (y < 0 ? k : y);
                if (f32) {
                    outF[at] = 1;
                } else {
                    outD[at] = 1;
                }
            }
        }
        return f32 ? NdArrays.floats(outF, batch, width)
                : NdArrays.of(outD, DataType.DOUBLE, batch, width);
    }

    /**
     * net(x, t), {@code [batch, d]} float32 (inference mode). When all examples share one time
     * (every sampler step), see {@link #output(INDArray, INDArray, int[])}.
     */
    @Override
    public INDArray output(INDArray x, INDArray t) {
        return output(x, t, null);
    }

    /**
     * net(x, t, y) of a class-conditional network (label -1: no label), {@code [batch, d]}.
     *
     * <p>When all examples share one time and one label (every step of a sampler), the time and
     * label features are the same row for the whole batch, so their share of the first layer,
     * emb(t) W_emb, is computed once and folded into that layer's bias: the first product shrinks
     * from [batch, d + 2m] x [d + 2m, width] to [batch, d] x [d, width] (a fifth of the toy MLP's
     * FLOPs) and the feature matrix is never built. Same result up to float rounding.
     */
    @Override
    public INDArray output(INDArray x, INDArray t, int[] labels) {
        int batch = Checks.batchOf("x", x, new long[] {config.dimension()});
        if (batch >= SHARED_TIME_MIN_BATCH && sharedTimePossible() && t.length() == batch && allEqual(t)
                && (labels == null || labels.length == batch && allEqual(labels))) {
            return sharedTimeOutput(x, t, labels);
        }
        return network.output(features(x, t, labels), false);
    }

    /** Batches from this size on take the shared-time path. */
    private static final int SHARED_TIME_MIN_BATCH = 16;

    private boolean sharedTimePossible() {
        org.deeplearning4j.nn.conf.layers.Layer first = network.getLayerWiseConfigurations().getConf(0).getLayer();
        return network.getnLayers() > 1 && first instanceof org.deeplearning4j.nn.conf.layers.DenseLayer dense
                && !dense.hasLayerNorm() && dense.hasBias();
    }

    private static boolean allEqual(INDArray t) {
        double[] v = NdArrays.toDoubles(t);
        for (double e : v) {
            if (Double.compare(e, v[0]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean allEqual(int[] labels) {
        for (int y : labels) {
            if (y != labels[0]) {
                return false;
            }
        }
        return true;
    }

    private INDArray sharedTimeOutput(INDArray x, INDArray t, int[] labels) {
        int d = config.dimension();
        int in = config.inputSize();
        org.deeplearning4j.nn.api.Layer first = network.getLayer(0);
        INDArray w = first.getParam(org.deeplearning4j.nn.params.DefaultParamInitializer.WEIGHT_KEY);
        INDArray b = first.getParam(org.deeplearning4j.nn.params.DefaultParamInitializer.BIAS_KEY);
        INDArray row = features(x.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()),
                t.reshape(t.length()).get(NDArrayIndex.interval(0, 1)), labels == null ? null : new int[] {labels[0]});
        INDArray bias = row.get(NDArrayIndex.all(), NDArrayIndex.interval(d, in))
                .mmul(w.get(NDArrayIndex.interval(d, in), NDArrayIndex.all())).addi(b.reshape(1, b.length()));
        INDArray xc = x.castTo(dataType());
        INDArray z = firstLayerBuffer(xc.size(0), w.columns());
        Nd4j.gemm(xc, w.get(NDArrayIndex.interval(0, d), NDArrayIndex.all()), z, false, false, 1.0, 0.0);
        org.nd4j.linalg.activations.IActivation act =
                ((org.deeplearning4j.nn.conf.layers.BaseLayer) network.getLayerWiseConfigurations().getConf(0)
                        .getLayer()).getActivationFn();
        if (FusedDenseLayer.fuses(act)) {
            io.github.scoresde.core.kernels.Kernels.biasSilu(z, bias, z, null);
        } else {
            z.addiRowVector(bias);
            z = act.getActivation(z, false);
        }
        return tail().output(z, false);
    }

    /**
     * Each thread's first-layer output of the shared-time path, kept between calls: a fresh
     * multi-megabyte array costs its native allocation and first touch, about as much as the
     * layer's product. The tail network only reads it during {@code output}.
     */
    private final ThreadLocal<INDArray> firstLayer = new ThreadLocal<>();

    private INDArray firstLayerBuffer(long rows, long cols) {
        INDArray z = firstLayer.get();
        if (z == null || z.size(0) != rows || z.size(1) != cols || z.dataType() != dataType()) {
            z = Nd4j.createUninitialized(dataType(), new long[] {rows, cols}, 'f');
            firstLayer.set(z);
        }
        return z;
    }

    /**
     * The network without its first layer, sharing the parameters live (a view of the same flat
     * array), rebuilt if the network's parameter array was replaced.
     */
    private synchronized MultiLayerNetwork tail() {
        INDArray params = network.params();
        if (tail == null || tailParams != params) {
            org.deeplearning4j.nn.conf.MultiLayerConfiguration c = network.getLayerWiseConfigurations();
            NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().dataType(dataType()).list();
            for (int i = 1; i < network.getnLayers(); i++) {
                list.layer(c.getConf(i).getLayer().clone());
            }
            MultiLayerNetwork t = new MultiLayerNetwork(list.build());
            long first = network.getLayer(0).numParams();
            t.init(params.reshape(params.length()).get(NDArrayIndex.interval(first, params.length())), false);
            tail = t;
            tailParams = params;
        }
        return tail;
    }

    /**
     * The vector-Jacobian product v^T (d net(x, t) / d x) per example, {@code [batch, d]} float32.
     */
    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Checks.cotangent(v, x);
        INDArray in = features(x, t);
        INDArray grad;
        synchronized (this) {
            grad = probe().calculateGradients(in, v.castTo(dataType()), null, null).getSecond();
        }
        return grad.get(NDArrayIndex.all(), NDArrayIndex.interval(0, config.dimension())).dup();
    }

    /** The written-out training step, or null where it does not apply ({@link MlpPasses#of}). */
    private MlpPasses passes() {
        if (!passesChecked) {
            passes = MlpPasses.of(network, this::features);
            passesChecked = true;
        }
        return passes;
    }

    private MultiLayerNetwork probe() {
        if (probe == null) {
            probe = new MultiLayerNetwork(configuration(config, optimizer, new LinearProbeLoss(), dataType()));
            probe.init(network.params(), false);
        }
        return probe;
    }

    @Override
    public long[] sampleShape() {
        return new long[] {config.dimension()};
    }

    @Override
    public int classes() {
        return config.classes();
    }

    @Override
    public INDArray params() {
        return network.params();
    }

    @Override
    public void setListeners(List<TrainingListener> listeners) {
        network.setListeners(new ArrayList<>(Checks.notNull("listeners", listeners)));
    }

    /**
     * One optimisation step: through {@link MlpPasses} when they apply to the network (the same
     * step as DL4J's {@code fit}, listeners, updater and iteration count included, to float32
     * rounding), else through DL4J's {@code fit} on {@link #trainingBatch}.
     */
    @Override
    public double fit(MultiDataSet batch) {
        DenoisingBatch b = DenoisingBatch.of(batch);
        MlpPasses p = passes();
        if (p != null) {
            Checks.batchOf("perturbed", b.perturbed(), sampleShape());
            float[] x = NdArrays.toFloats(b.perturbed());
            double[] t = NdArrays.toDoubles(b.times());
            checkLabels(b.labels(), t.length);
            return p.fit(x, t, b.labels(), NdArrays.toFloats(b.target()), NdArrays.toFloats(b.weight()));
        }
        DataSet ds = trainingBatch(b);
        network.fit(ds);
        NdArrays.release(ds.getFeatures(), ds.getLabels());
        return network.score();
    }

    @Override
    public double loss(MultiDataSet batch) {
        DataSet ds = trainingBatch(DenoisingBatch.of(batch));
        double loss = network.score(ds);
        NdArrays.release(ds.getFeatures(), ds.getLabels());
        return loss;
    }

    /**
     * The DL4J batch of {@link #network()} for a denoising batch: features [x_t, emb(t)] (and the
     * label one-hot of a class-conditional network) and labels [target | weight], the layout
     * {@link DenoisingScoreMatchingLoss} reads. New arrays.
     *
     * @throws IllegalArgumentException when the batch's samples are not {@code [d]}
     */
    public DataSet trainingBatch(DenoisingBatch batch) {
        int n = Checks.batchOf("perturbed", batch.perturbed(), sampleShape());
        int d = config.dimension();
        INDArray features = features(NdArrays.toFloats(batch.perturbed()), NdArrays.toDoubles(batch.times()),
                batch.labels());
        float[] target = NdArrays.toFloats(batch.target());
        float[] weight = NdArrays.toFloats(batch.weight());
        float[] packed = new float[n * (d + 1)];
        for (int b = 0; b < n; b++) {
            System.arraycopy(target, b * d, packed, b * (d + 1), d);
            packed[b * (d + 1) + d] = weight[b];
        }
        return new DataSet(features, NdArrays.floats(packed, n, d + 1));
    }

    /**
     * A network with the same configuration and embedding and a copy of the given parameters
     * (e.g. EMA weights), without updater state.
     */
    @Override
    public MlpScoreNetwork withParameters(INDArray params) {
        if (params.length() != network.numParams()) {
            throw new IllegalArgumentException("params must hold " + network.numParams() + " values; got "
                    + params.length());
        }
        MultiLayerNetwork copy = new MultiLayerNetwork(network.getLayerWiseConfigurations().clone());
        copy.init(params.dup().reshape(1, params.length()), false);
        return new MlpScoreNetwork(config, optimizer, embedding, copy);
    }

    @Override
    public String toString() {
        return "MlpScoreNetwork[" + config + ", " + optimizer + ", parameters=" + network.numParams() + "]";
    }
}
