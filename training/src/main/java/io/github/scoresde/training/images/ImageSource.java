package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.data.LabelledSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training batches from an {@link ImageSet}: images drawn uniformly with replacement, keyed by
 * the source of randomness (so batch k is the same after a restart), pixels scaled to [0, 1] as
 * p / 255, or with uniform dequantisation as (p + u) / 256, u ~ U[0, 1) (docs/benchmarks.md, the
 * scaling under which likelihoods in bits per dimension are computed), optionally flipped
 * left-right with probability 1/2. Batches are {@code [n, C H W]} float32 (NCHW order flattened);
 * the trainer reshapes them to the network's {@code [n, C, H, W]}. Immutable.
 */
public final class ImageSource implements DataSource {
    private final ImageSet images;
    private final boolean dequantize;
    private final boolean flip;

    private ImageSource(ImageSet images, boolean dequantize, boolean flip) {
        this.images = images;
        this.dequantize = dequantize;
        this.flip = flip;
    }

    /** Batches of p / 255, no flips. */
    public static ImageSource of(ImageSet images) {
        return new ImageSource(Checks.notNull("images", images), false, false);
    }

    /** This source with uniform dequantisation on or off. */
    public ImageSource dequantized(boolean on) {
        return new ImageSource(images, on, flip);
    }

    /** This source with random left-right flips on or off. */
    public ImageSource flipped(boolean on) {
        return new ImageSource(images, dequantize, on);
    }

    /** The images. */
    public ImageSet images() {
        return images;
    }

    /** Whether pixels are dequantised. */
    public boolean dequantize() {
        return dequantize;
    }

    /** Whether images are flipped at random. */
    public boolean flip() {
        return flip;
    }

    @Override
    public int dimension() {
        return images.imageSize();
    }

    @Override
    public INDArray batch(int n, RandomSource rng) {
        return draw(n, rng, null);
    }

    /**
     * The same batches with their labels, for class-conditional networks.
     *
     * @throws IllegalStateException when the images carry no labels
     */
    public LabelledSource labelled() {
        if (!images.labelled()) {
            throw new IllegalStateException(images.name() + " has no labels to train a class-conditional network on");
        }
        return (n, rng) -> {
            int[] labels = new int[n];
            INDArray x = draw(n, rng, labels);
            return new LabelledSource.Labelled(x, labels);
        };
    }

    /**
     * The images {@code from .. from + n - 1} in order, without flips: p / 255, or (p + u) / 256
     * with u from {@code rng} when dequantising (for evaluating a likelihood on a fixed set).
     */
    public INDArray range(int from, int n, RandomSource rng) {
        Checks.positive("n", n);
        if (from < 0 || from + n > images.size()) {
            throw new IllegalArgumentException("images " + from + ".." + (from + n - 1) + " lie outside the "
                    + images.size() + " of " + images.name());
        }
        int d = images.imageSize();
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            fill(from + i, false, rng, i, out, i * d);
        }
        return NdArrays.floats(out, n, d);
    }

    /**
     * The largest Euclidean distance between two of the first {@code n} images, pixels in [0, 1]:
     * the sigma_max that Song and Ermon (2020, technique 1) recommend for a VE SDE
     * (docs/math.md section 1).
     */
    public double maxPairwiseDistance(int n) {
        int m = Math.min(Checks.positive("n", n), images.size());
        int d = images.imageSize();
        double max = 0;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                double s = 0;
                for (int k = 0; k < d; k++) {
                    double diff = (images.pixel(i, k) - images.pixel(j, k)) / 255.0;
                    s += diff * diff;
                }
                max = Math.max(max, s);
            }
        }
        return Math.sqrt(max);
    }

    private INDArray draw(int n, RandomSource rng, int[] labels) {
        Checks.positive("n", n);
        Checks.notNull("rng", rng);
        int d = images.imageSize();
        float[] out = new float[n * d];
        RandomSource pick = rng.stream(0);
        RandomSource noise = rng.stream(1);
        RandomSource flips = rng.stream(2);
        for (int i = 0; i < n; i++) {
            int k = (int) Math.min(images.size() - 1, Math.floor(pick.uniform(i, 0) * images.size()));
            boolean mirror = flip && flips.uniform(i, 0) < 0.5;
            fill(k, mirror, noise, i, out, i * d);
            if (labels != null) {
                labels[i] = images.label(k);
            }
        }
        return NdArrays.floats(out, n, d);
    }

    private void fill(int k, boolean mirror, RandomSource noise, long row, float[] out, int offset) {
        int w = images.width();
        int d = images.imageSize();
        for (int j = 0; j < d; j++) {
            int src = mirror ? j - j % w + (w - 1 - j % w) : j;
            double p = images.pixel(k, src);
            out[offset + j] = (float) (dequantize ? (p + noise.uniform(row, j)) / 256.0 : p / 255.0);
        }
    }

    @Override
    public String name() {
        return images.name() + (dequantize ? ", dequantised" : "") + (flip ? ", flipped" : "");
    }

    @Override
    public String toString() {
        return "ImageSource[" + name() + "]";
    }
}
