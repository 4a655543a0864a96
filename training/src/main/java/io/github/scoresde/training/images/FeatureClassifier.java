package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The classifier whose features the library's image-quality figure uses (docs/benchmarks.md B8):
 * an MLP (C H W -> 512 -> 128 -> classes, ReLU, softmax) trained with Adam on clean labelled
 * images in [0, 1]. The features are its 128 penultimate activations. Inception weights cannot be
 * fetched here, so the Frechet distance in these features is not FID and is not comparable with
 * published FIDs; it compares models and samplers on the same data. Not thread-safe.
 */
public final class FeatureClassifier {
    /** The width of the feature layer. */
    public static final int FEATURES = 128;
    private final MultiLayerNetwork network;
    private final int imageSize;
    private final int classes;

    private FeatureClassifier(MultiLayerNetwork network, int imageSize, int classes) {
        this.network = network;
        this.imageSize = imageSize;
        this.classes = classes;
    }

    /**
     * Trains a classifier on labelled images: {@code steps} Adam steps (learning rate 1e-3) on
     * batches of 128 drawn with replacement (keyed by {@code seed}), pixels p / 255.
     *
     * @throws IllegalArgumentException when the images carry no labels or fewer than 2 classes
     */
    public static FeatureClassifier train(ImageSet images, int steps, long seed) {
        Checks.notNull("images", images);
        Checks.positive("steps", steps);
        if (!images.labelled() || images.classes() < 2) {
            throw new IllegalArgumentException(images.name() + " needs labels of at least 2 classes to train a "
                    + "feature classifier");
        }
        int d = images.imageSize();
        int k = images.classes();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(RandomSource.nonZeroSeed(seed)).dataType(DataType.FLOAT).weightInit(WeightInit.RELU)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(d).nOut(512).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(512).nOut(FEATURES).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(FEATURES).nOut(k)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        ImageSource source = ImageSource.of(images);
        RandomSource rng = RandomSource.of(seed).stream(0xC1A55);
        for (int s = 0; s < steps; s++) {
            var batch = source.labelled().batch(128, rng.stream(s));
            INDArray y = Nd4j.zeros(DataType.FLOAT, batch.labels().length, k);
            for (int i = 0; i < batch.labels().length; i++) {
                y.putScalar(i, batch.labels()[i], 1);
            }
            net.fit(new DataSet(batch.x(), y));
        }
        return new FeatureClassifier(net, d, k);
    }

    /** The number of classes. */
    public int classes() {
        return classes;
    }

    /**
     * The features of images.
     *
     * @param pixels {@code [n, C, H, W]} or {@code [n, C H W]} in [0, 1]
     * @return {@code [n, 128]} float32
     */
    public INDArray features(INDArray pixels) {
        List<INDArray> acts = network.feedForwardToLayer(1, flat(pixels), false);
        return acts.get(2).dup();
    }

    /** The most probable class of each image. */
    public int[] predict(INDArray pixels) {
        INDArray p = network.output(flat(pixels), false);
        return p.argMax(1).toIntVector();
    }

    /** The fraction of images classified as their label. */
    public double accuracy(ImageSet images) {
        INDArray x = ImageSource.of(images).range(0, images.size(), RandomSource.of(0));
        int[] y = predict(x);
        int right = 0;
        for (int i = 0; i < y.length; i++) {
            right += y[i] == images.label(i) ? 1 : 0;
        }
        return (double) right / y.length;
    }

    /** How many images fall in each class, {@code [classes]}. */
    public int[] histogram(INDArray pixels) {
        int[] counts = new int[classes];
        for (int c : predict(pixels)) {
            counts[c]++;
        }
        return counts;
    }

    private INDArray flat(INDArray pixels) {
        Checks.notNull("pixels", pixels);
        if (pixels.length() != pixels.size(0) * imageSize) {
            throw new IllegalArgumentException("images of " + imageSize + " values expected; got shape "
                    + java.util.Arrays.toString(pixels.shape()));
        }
        return pixels.reshape(pixels.size(0), imageSize).castTo(DataType.FLOAT);
    }
}
