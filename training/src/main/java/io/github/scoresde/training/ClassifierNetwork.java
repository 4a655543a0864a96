package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NoisyClassifier;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.FourierTimeEmbedding;
import io.github.scoresde.nn.FusedDenseLayer;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.data.LabelledSource;
import java.util.Arrays;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A time-dependent classifier p_t(y | x) of perturbed vector data trained with DL4J (docs/math.md
 * section 9): the same input as the score network ([x, Gaussian Fourier features of t]), dense
 * SiLU layers, a softmax over the classes and cross-entropy, trained on x_t = m(t) x0 + s(t) z with
 * t ~ U(t_min, T). Its input gradient grad_x log p_t(y | x) comes from DL4J's
 * {@code calculateGradients}: with softmax + cross-entropy the gradient of the loss -log p_y
 * with respect to the input is exactly minus the quantity guidance needs.
 */
public final class ClassifierNetwork implements NoisyClassifier {
    private final MultiLayerNetwork network;
    private final FourierTimeEmbedding embedding;
    private final int dimension;
    private final long[] shape;
    private final int classes;

    private ClassifierNetwork(MultiLayerNetwork network, FourierTimeEmbedding embedding, long[] shape, int classes) {
        this.network = network;
        this.embedding = embedding;
        this.shape = shape.clone();
        long d = 1;
        for (long v : shape) {
            d *= v;
        }
        this.dimension = (int) d;
        this.classes = classes;
    }

    /**
     * A fresh classifier of samples of any shape (images {@code [C, H, W]} included), which it reads
     * flattened: dense layers on the values and the time features (an MLP, not a convolutional net).
     *
     * @param sampleShape the shape of one example
     */
    public static ClassifierNetwork create(long[] sampleShape, int classes, int width, int depth, long seed) {
        Checks.notNull("sampleShape", sampleShape);
        long d = 1;
        for (long v : sampleShape) {
            d *= Checks.positive("sampleShape entry", (int) v);
        }
        ClassifierNetwork flat = create((int) d, classes, width, depth, seed);
        return new ClassifierNetwork(flat.network, flat.embedding, sampleShape, classes);
    }

    /**
     * A fresh classifier.
     *
     * @param dimension d
     * @param classes K &gt;= 2
     * @param width units per hidden layer
     * @param depth hidden layers
     * @param seed initialisation seed
     */
    public static ClassifierNetwork create(int dimension, int classes, int width, int depth, long seed) {
        Checks.positive("dimension", dimension);
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be at least 2; got " + classes);
        }
        Checks.positive("width", width);
        Checks.positive("depth", depth);
        FourierTimeEmbedding emb = FourierTimeEmbedding.random(32, 16, seed);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(RandomSource.nonZeroSeed(seed))
                .dataType(DataType.FLOAT).weightInit(WeightInit.UNIFORM).updater(new Adam(1e-3)).list();
        for (int i = 0; i < depth; i++) {
            list.layer(FusedDenseLayer.of(i == 0 ? dimension + emb.size() : width, width, Activation.SWISH));
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(classes)
                .activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return new ClassifierNetwork(net, emb, new long[] {dimension}, classes);
    }

    /** The DL4J network. */
    public MultiLayerNetwork network() {
        return network;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public long[] sampleShape() {
        return shape.clone();
    }

    private INDArray features(INDArray x, INDArray t) {
        int batch = Checks.batchOf("x", x, sampleShape());
        return Nd4j.concat(1, x.castTo(DataType.FLOAT).reshape(batch, dimension), embedding.embed(t, DataType.FLOAT));
    }

    /** Class probabilities p_t(k | x), {@code [batch, K]}. */
    public INDArray probabilities(INDArray x, INDArray t) {
        return network.output(features(x, t), false);
    }

    @Override
    public INDArray logProbabilityGradient(INDArray x, INDArray t, int[] labels) {
        int batch = Checks.batchOf("x", x, sampleShape());
        if (labels.length != batch) {
            throw new IllegalArgumentException("labels must hold one label per example (" + batch + "); got "
                    + labels.length);
        }
        INDArray onehot = oneHot(labels);
        INDArray grad;
        synchronized (this) {
            grad = network.calculateGradients(features(x, t), onehot, null, null).getSecond();
        }
        // d(-log p_y)/d input -> grad log p_y for the x columns
        return grad.get(NDArrayIndex.all(), NDArrayIndex.interval(0, dimension)).neg().castTo(x.dataType())
                .reshape(x.shape());
    }

    /** One-hot rows {@code [n, K]} float32 of labels in [0, K), checked. */
    private INDArray oneHot(int[] labels) {
        return io.github.scoresde.core.NdArrays.oneHot(labels, classes);
    }

    /**
     * Trains on perturbed labelled draws ({@link ClassifierTraining}), one DL4J {@code fit} a step.
     *
     * @param data labelled batches: {@code batch(n, rng)} returning x0 {@code [n, d]} and labels
     * @return the loss of every step
     */
    public double[] train(Sde sde, LabelledSource data, int steps, int batchSize, double timeFloor, long seed) {
        return ClassifierTraining.train((xt, t, labels) -> {
            network.fit(new DataSet(features(xt, t), oneHot(labels)));
            return network.score();
        }, shape, sde, data, steps, batchSize, timeFloor, seed);
    }

    @Override
    public String toString() {
        return "ClassifierNetwork[d=" + dimension + ", classes=" + classes + ", parameters=" + network.numParams()
                + ", " + Arrays.toString(sampleShape()) + "]";
    }
}
