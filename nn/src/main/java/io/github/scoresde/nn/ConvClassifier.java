package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NoisyClassifier;
import io.github.scoresde.core.RandomSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A small convolutional noise-conditional classifier p_t(y | x) of images {@code [C, H, W]}
 * (docs/math.md section 9), in SameDiff like the U-Net: three 3 x 3 convolutions (width w, 2w, 2w;
 * the last two of stride 2), each followed by a per-channel shift from the time's Gaussian Fourier
 * features and SiLU, then global average pooling and a dense layer to the class logits. Trained by
 * cross-entropy with Adam ({@link #fit}); its input gradient grad_x log p_t(y | x) comes from
 * SameDiff's gradient of the loss with respect to x. Float32; parameters are views into one flat
 * array. Not thread-safe while fitting.
 */
public final class ConvClassifier implements NoisyClassifier {
    private final long[] shape;
    private final int classes;
    private final FourierTimeEmbedding embedding;
    private final Map<String, long[]> layout = new LinkedHashMap<>();
    private final INDArray params;
    private final SameDiff sd;
    private final SameDiffMemory memory;
    private final double learningRate;
    private INDArray gradient;
    private GradientUpdater updater;
    private long iteration;

    private ConvClassifier(long[] shape, int classes, int width, double learningRate, long seed) {
        this.shape = shape.clone();
        this.classes = classes;
        this.learningRate = learningRate;
        this.embedding = FourierTimeEmbedding.random(32, 16, seed);
        int c = (int) shape[0];
        int e = embedding.size();
        int[] widths = {width, 2 * width, 2 * width};
        int in = c;
        for (int i = 0; i < 3; i++) {
            layout.put("conv" + i + "_W", new long[] {3, 3, in, widths[i]});
            layout.put("conv" + i + "_b", new long[] {widths[i]});
            layout.put("time" + i + "_W", new long[] {e, widths[i]});
            in = widths[i];
        }
        layout.put("out_W", new long[] {in, classes});
        layout.put("out_b", new long[] {classes});
        long n = UNetGraph.size(layout);
        // uniform in +-1/sqrt(fan in), PyTorch's default for convolutions and dense layers
        params = Nd4j.create(DataType.FLOAT, n);
        RandomSource rng = RandomSource.of(seed).stream(1);
        long off = 0;
        int k = 0;
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            long[] s = en.getValue();
            long len = UNetGraph.length(s);
            // a bias shares its weight's fan in: every dimension of the weight but the outputs
            long[] weight = layout.get(en.getKey().replace("_b", "_W"));
            long fanIn = UNetGraph.length(weight) / weight[weight.length - 1];
            double bound = 1 / Math.sqrt(fanIn);
            params.get(NDArrayIndex.interval(off, off + len)).assign(rng.uniform(DataType.FLOAT, k++, 1, len)
                    .reshape(len).muli(2 * bound).subi(bound));
            off += len;
        }
        this.sd = build();
        long values = 0;
        long h = shape[1];
        long w = shape[2];
        values += (long) widths[0] * h * w + (long) widths[1] * ((h + 1) / 2) * ((w + 1) / 2)
                + (long) widths[2] * ((h + 3) / 4) * ((w + 3) / 4);
        this.memory = new SameDiffMemory(sd, values * 12 * 4);
    }

    /**
     * A fresh classifier.
     *
     * @param sampleShape {@code [C, H, W]}
     * @param classes K &gt;= 2
     * @param width the first convolution's channels (32 is ample for 28 x 28 grey images)
     * @param learningRate Adam's step size (1e-3 is usual)
     * @param seed initialisation seed
     */
    public static ConvClassifier create(long[] sampleShape, int classes, int width, double learningRate, long seed) {
        Checks.notNull("sampleShape", sampleShape);
        if (sampleShape.length != 3 || sampleShape[0] < 1 || sampleShape[1] < 1 || sampleShape[2] < 1) {
            throw new IllegalArgumentException("sampleShape must be [C, H, W]; got " + Arrays.toString(sampleShape));
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be at least 2; got " + classes);
        }
        Checks.positive("width", width);
        Checks.positive("learningRate", learningRate);
        return new ConvClassifier(sampleShape, classes, width, learningRate, seed);
    }

    private SameDiff build() {
        SameDiff g = SameDiff.create();
        Map<String, SDVariable> w = UNetGraph.variables(g, params, layout);
        SDVariable x = g.placeHolder("x", DataType.FLOAT, -1, shape[0], shape[1], shape[2]);
        SDVariable fourier = g.placeHolder("fourier", DataType.FLOAT, -1, embedding.size());
        SDVariable h = x;
        for (int i = 0; i < 3; i++) {
            int stride = i == 0 ? 1 : 2;
            h = g.cnn.conv2d(h, w.get("conv" + i + "_W"), w.get("conv" + i + "_b"), Conv2DConfig.builder().kH(3).kW(3)
                    .sH(stride).sW(stride).paddingMode(PaddingMode.SAME).weightsFormat(WeightsFormat.YXIO)
                    .dataFormat("NCHW").build());
            SDVariable shift = fourier.mmul(w.get("time" + i + "_W"));
            h = h.add(g.expandDims(g.expandDims(shift, 2), 3));
            h = h.mul(g.nn.sigmoid(h));
        }
        SDVariable pooled = h.mean(2, 3);
        SDVariable logits = pooled.mmul(w.get("out_W")).add(w.get("out_b"));
        // log-softmax composed (logSoftmax with a dimension fails to build in M2.1), stabilised by the max
        SDVariable shifted = logits.sub(logits.max(true, 1));
        SDVariable logp = shifted.sub(g.math.log(g.math.exp(shifted).sum(true, 1)));
        g.identity("logp", logp);
        SDVariable oneHot = g.placeHolder("onehot", DataType.FLOAT, -1, classes);
        g.identity("loss", oneHot.mul(logp).sum(1).mean().neg());
        g.setLossVariables("loss");
        UNetGraph.quietly(() -> g.createGradFunction("x"));
        return g;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public long[] sampleShape() {
        return shape.clone();
    }

    private Map<String, INDArray> inputs(INDArray x, INDArray t) {
        int n = Checks.batchOf("x", x, shape);
        Checks.times("t", t, n, Double.MAX_VALUE);
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("x", x.castTo(DataType.FLOAT));
        ph.put("fourier", embedding.embed(t, DataType.FLOAT));
        return ph;
    }

    private INDArray oneHot(int[] labels, int n) {
        if (labels.length != n) {
            throw new IllegalArgumentException("labels must hold one label per example (" + n + "); got "
                    + labels.length);
        }
        return io.github.scoresde.core.NdArrays.oneHot(labels, classes);
    }

    /** Class probabilities p_t(k | x), {@code [batch, K]}. */
    public INDArray probabilities(INDArray x, INDArray t) {
        memory.boundSessions();
        INDArray logp = sd.output(inputs(x, t), "logp").get("logp");
        memory.produced(x.size(0), false);
        return org.nd4j.linalg.ops.transforms.Transforms.exp(logp, true);
    }

    @Override
    public INDArray logProbabilityGradient(INDArray x, INDArray t, int[] labels) {
        Map<String, INDArray> ph = inputs(x, t);
        int n = (int) x.size(0);
        ph.put("onehot", oneHot(labels, n));
        memory.boundSessions();
        // loss = -mean_b log p(y_b | x_b): its gradient is -grad log p / n per example
        INDArray g = sd.calculateGradients(ph, "x").get("x").mul(-n);
        memory.produced(n, true);
        return g.castTo(x.dataType());
    }

    /**
     * One Adam step of cross-entropy on a batch of perturbed examples.
     *
     * @param xt perturbed images {@code [n, C, H, W]}
     * @param t their times {@code [n]}
     * @param labels their classes
     * @return the batch's mean cross-entropy before the step
     */
    public double fit(INDArray xt, INDArray t, int[] labels) {
        Map<String, INDArray> ph = inputs(xt, t);
        int n = (int) xt.size(0);
        ph.put("onehot", oneHot(labels, n));
        memory.boundSessions();
        org.nd4j.autodiff.samediff.api.OutAndGrad og = sd.calculateGradientsAndOutputs(ph, java.util.List.of("loss"),
                layout.keySet());
        if (gradient == null) {
            gradient = Nd4j.create(DataType.FLOAT, params.length());
            updater = new Adam(learningRate).instantiate(Nd4j.zeros(DataType.FLOAT, 2 * params.length()), true);
        }
        UNetGraph.flatten(og.getGradients(), layout, gradient);
        double loss = og.getOutputs().get("loss").getDouble(0);
        updater.applyUpdater(gradient, (int) iteration++, 0);
        params.subi(gradient);
        memory.produced(n, true);
        return loss;
    }

    @Override
    public String toString() {
        return "ConvClassifier[" + Arrays.toString(shape) + ", " + classes + " classes, " + params.length()
                + " parameters]";
    }
}
