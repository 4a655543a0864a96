package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.activations.Activation;

/**
 * The architecture of a {@link MlpScoreNetwork}, immutable and validated (how it is optimised is
 * {@link AdamSettings}). {@link #toyMlp(int)} is the "toy MLP" of BENCHMARKS.md: 64 Fourier
 * frequencies with scale 16, three dense layers of 256 units with SiLU, half-sum loss;
 * {@link #builder(int)} starts from it to change any setting.
 */
public final class MlpConfig {
    /** BENCHMARKS.md: 256 units. */
    public static final int DEFAULT_WIDTH = 256;
    /** BENCHMARKS.md: 3 hidden layers. */
    public static final int DEFAULT_DEPTH = 3;
    /** BENCHMARKS.md: 64 frequencies. */
    public static final int DEFAULT_FREQUENCIES = 64;
    /** BENCHMARKS.md: W ~ N(0, 16^2). */
    public static final double DEFAULT_FREQUENCY_SCALE = 16;

    private final int dimension;
    private final int width;
    private final int depth;
    private final Activation activation;
    private final int frequencies;
    private final double frequencyScale;
    private final long seed;
    private final LossReduction reduction;
    private final int classes;

    private MlpConfig(Builder b) {
        this.dimension = Checks.positive("dimension", b.dimension);
        this.width = Checks.positive("width", b.width);
        this.depth = Checks.positive("depth", b.depth);
        this.activation = Checks.notNull("activation", b.activation);
        this.frequencies = Checks.positive("frequencies", b.frequencies);
        this.frequencyScale = Checks.positive("frequencyScale", b.frequencyScale);
        this.seed = b.seed;
        this.reduction = Checks.notNull("reduction", b.reduction);
        this.classes = Checks.nonNegative("classes", b.classes);
        if (classes == 1) {
            throw new IllegalArgumentException("classes must be 0 (unconditional) or at least 2; got 1");
        }
    }

    /** The toy MLP of BENCHMARKS.md for d-dimensional data, initialisation seed 0. */
    public static MlpConfig toyMlp(int dimension) {
        return builder(dimension).build();
    }

    /** A builder for d-dimensional data starting from the toy MLP. */
    public static Builder builder(int dimension) {
        return new Builder(dimension);
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        return new Builder(dimension).layers(width, depth).activation(activation)
                .frequencies(frequencies, frequencyScale).seed(seed).reduction(reduction).classes(classes);
    }

    /** d, the data's dimension. */
    public int dimension() {
        return dimension;
    }

    /** Units per hidden layer. */
    public int width() {
        return width;
    }

    /** Hidden layers. */
    public int depth() {
        return depth;
    }

    /** The hidden activation (SiLU is DL4J's SWISH). */
    public Activation activation() {
        return activation;
    }

    /** m, the Fourier frequencies (2m time features). */
    public int frequencies() {
        return frequencies;
    }

    /** The standard deviation of the random frequencies. */
    public double frequencyScale() {
        return frequencyScale;
    }

    /** The initialisation seed (weights and frequencies); every value, 0 included, is a seed. */
    public long seed() {
        return seed;
    }

    /** The loss reduction over a sample's values. */
    public LossReduction reduction() {
        return reduction;
    }

    /**
     * K for a class-conditional network (a one-hot of K + 1 values joins the input, the last one the
     * "no label" class of classifier-free guidance), 0 for an unconditional one.
     */
    public int classes() {
        return classes;
    }

    /** The network's input size: d + 2m time features (+ K + 1 label values when conditional). */
    public int inputSize() {
        return dimension + 2 * frequencies + (classes > 0 ? classes + 1 : 0);
    }

    /** {@code key=value} lines (read back by {@link #parse}). */
    public String toProperties() {
        return String.format(Locale.ROOT, "dimension=%d%nwidth=%d%ndepth=%d%nactivation=%s%nfrequencies=%d%n"
                + "frequencyScale=%s%nseed=%d%nreduction=%s%nclasses=%d%n", dimension, width, depth, activation.name(),
                frequencies, Double.toString(frequencyScale), seed, reduction.name(), classes);
    }

    /**
     * Reads the form written by {@link #toProperties()}.
     *
     * @throws IllegalArgumentException naming a missing or malformed key
     */
    public static MlpConfig parse(Map<String, String> p) {
        try {
            return builder(Integer.parseInt(get(p, "dimension")))
                    .layers(Integer.parseInt(get(p, "width")), Integer.parseInt(get(p, "depth")))
                    .activation(Activation.valueOf(get(p, "activation")))
                    .frequencies(Integer.parseInt(get(p, "frequencies")), Double.parseDouble(get(p, "frequencyScale")))
                    .seed(Long.parseLong(get(p, "seed"))).reduction(LossReduction.valueOf(get(p, "reduction")))
                    .classes(Integer.parseInt(p.getOrDefault("classes", "0").trim())).build();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("network configuration has a malformed number (" + e.getMessage() + ")");
        }
    }

    /** The trimmed value of {@code key}, or an error naming it. */
    static String get(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new IllegalArgumentException("network configuration is missing \"" + key + "\"");
        }
        return v.trim();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpConfig c && c.dimension == dimension && c.width == width && c.depth == depth
                && c.activation == activation && c.frequencies == frequencies && c.frequencyScale == frequencyScale
                && c.seed == seed && c.reduction == reduction && c.classes == classes;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(dimension, width, depth, activation, frequencies, frequencyScale, seed,
                reduction, classes);
    }

    @Override
    public String toString() {
        return "MlpConfig[dimension=" + dimension + ", width=" + width + ", depth=" + depth + ", activation="
                + activation + ", frequencies=" + frequencies + ", frequencyScale=" + frequencyScale + ", seed=" + seed
                + ", reduction=" + reduction + ", classes=" + classes + "]";
    }

    /** Builder of {@link MlpConfig}, starting from the toy MLP; values are checked by {@link #build()}. */
    public static final class Builder {
        private final int dimension;
        private int width = DEFAULT_WIDTH;
        private int depth = DEFAULT_DEPTH;
        private Activation activation = Activation.SWISH;
        private int frequencies = DEFAULT_FREQUENCIES;
        private double frequencyScale = DEFAULT_FREQUENCY_SCALE;
        private long seed;
        private LossReduction reduction = LossReduction.HALF_SUM;
        private int classes;

        private Builder(int dimension) {
            this.dimension = dimension;
        }

        /** Units per hidden layer and the number of hidden layers (default 256 and 3). */
        public Builder layers(int width, int depth) {
            this.width = width;
            this.depth = depth;
            return this;
        }

        /** The hidden activation (default SiLU, DL4J's SWISH). */
        public Builder activation(Activation a) {
            this.activation = a;
            return this;
        }

        /** m Fourier frequencies drawn with standard deviation {@code scale} (default 64 and 16). */
        public Builder frequencies(int m, double scale) {
            this.frequencies = m;
            this.frequencyScale = scale;
            return this;
        }

        /** The initialisation seed (default 0). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** The loss reduction over a sample's values (default half-sum). */
        public Builder reduction(LossReduction r) {
            this.reduction = r;
            return this;
        }

        /** K classes for a class-conditional network, 0 or at least 2 (default 0). */
        public Builder classes(int k) {
            this.classes = k;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException naming the first bad value
         */
        public MlpConfig build() {
            return new MlpConfig(this);
        }
    }
}
