package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Locale;
import org.nd4j.linalg.activations.Activation;

/**
 * The hyper-parameters of a {@link MlpScoreNetwork}, immutable and validated; the defaults are the
 * "toy MLP" of BENCHMARKS.md: 64 Fourier frequencies with scale 16, three dense layers of 256
 * units with SiLU, Adam with learning rate 1e-3, gradient clipping at 1.0, half-sum loss.
 *
 * @param dimension d, the data's dimension
 * @param width units per hidden layer
 * @param depth hidden layers
 * @param activation hidden activation (SiLU is DL4J's SWISH)
 * @param frequencies m, Fourier frequencies (2m time features)
 * @param frequencyScale the std of the frequencies
 * @param seed initialisation seed (weights and frequencies)
 * @param learningRate Adam's learning rate
 * @param warmup learning-rate warm-up iterations (0: none)
 * @param gradientClip the L2 norm threshold of gradient clipping (0: none)
 * @param reduction the loss reduction over dimensions
 * @param classes K for a class-conditional network (a one-hot of K + 1 values joins the input, the
 *     last one the "no label" class of classifier-free guidance), 0 for an unconditional one
 */
public record MlpConfig(int dimension, int width, int depth, Activation activation, int frequencies,
        double frequencyScale, long seed, double learningRate, int warmup, double gradientClip,
        LossReduction reduction, int classes) {

    /** BENCHMARKS.md: 256 units. */
    public static final int DEFAULT_WIDTH = 256;
    /** BENCHMARKS.md: 3 hidden layers. */
    public static final int DEFAULT_DEPTH = 3;
    /** BENCHMARKS.md: 64 frequencies. */
    public static final int DEFAULT_FREQUENCIES = 64;
    /** BENCHMARKS.md: W ~ N(0, 16^2). */
    public static final double DEFAULT_FREQUENCY_SCALE = 16;
    /** BENCHMARKS.md: Adam at 1e-3. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** BENCHMARKS.md: gradient-norm clip 1.0. */
    public static final double DEFAULT_GRADIENT_CLIP = 1.0;

    /** Validates every setting, naming the bad one. */
    public MlpConfig {
        Checks.positive("dimension", dimension);
        Checks.positive("width", width);
        Checks.positive("depth", depth);
        Checks.notNull("activation", activation);
        Checks.positive("frequencies", frequencies);
        Checks.positive("frequencyScale", frequencyScale);
        Checks.positive("learningRate", learningRate);
        Checks.nonNegative("warmup", warmup);
        Checks.nonNegative("gradientClip", gradientClip);
        Checks.notNull("reduction", reduction);
        Checks.nonNegative("classes", classes);
        if (classes == 1) {
            throw new IllegalArgumentException("classes must be 0 (unconditional) or at least 2; got 1");
        }
    }

    /** An unconditional network's configuration. */
    public MlpConfig(int dimension, int width, int depth, Activation activation, int frequencies,
            double frequencyScale, long seed, double learningRate, int warmup, double gradientClip,
            LossReduction reduction) {
        this(dimension, width, depth, activation, frequencies, frequencyScale, seed, learningRate, warmup,
                gradientClip, reduction, 0);
    }

    /** A copy conditioned on K classes (0: unconditional). */
    public MlpConfig withClasses(int k) {
        return new MlpConfig(dimension, width, depth, activation, frequencies, frequencyScale, seed,
                learningRate, warmup, gradientClip, reduction, k);
    }

    /** The network's input size: d + 2m time features (+ K + 1 label values when conditional). */
    public int inputSize() {
        return dimension + 2 * frequencies + (classes > 0 ? classes + 1 : 0);
    }

    /** The toy MLP for d-dimensional data with the given seed. */
    public static MlpConfig toyMlp(int dimension, long seed) {
        return new MlpConfig(dimension, DEFAULT_WIDTH, DEFAULT_DEPTH, Activation.SWISH, DEFAULT_FREQUENCIES,
                DEFAULT_FREQUENCY_SCALE, seed, DEFAULT_LEARNING_RATE, 0, DEFAULT_GRADIENT_CLIP, LossReduction.HALF_SUM);
    }

    /** A copy with another width and depth. */
    public MlpConfig withLayers(int newWidth, int newDepth) {
        return new MlpConfig(dimension, newWidth, newDepth, activation, frequencies, frequencyScale, seed,
                learningRate, warmup, gradientClip, reduction, classes);
    }

    /** A copy with another learning rate and warm-up. */
    public MlpConfig withLearningRate(double lr, int newWarmup) {
        return new MlpConfig(dimension, width, depth, activation, frequencies, frequencyScale, seed, lr,
                newWarmup, gradientClip, reduction, classes);
    }

    /** A copy with another loss reduction. */
    public MlpConfig withReduction(LossReduction r) {
        return new MlpConfig(dimension, width, depth, activation, frequencies, frequencyScale, seed,
                learningRate, warmup, gradientClip, r, classes);
    }

    /** Serialises to {@code key=value} lines (read back by {@link #parse}). */
    public String toProperties() {
        return String.format(Locale.ROOT, "dimension=%d%nwidth=%d%ndepth=%d%nactivation=%s%nfrequencies=%d%n"
                + "frequencyScale=%s%nseed=%d%nlearningRate=%s%nwarmup=%d%ngradientClip=%s%nreduction=%s%nclasses=%d%n",
                dimension, width, depth, activation.name(), frequencies, Double.toString(frequencyScale), seed,
                Double.toString(learningRate), warmup, Double.toString(gradientClip), reduction.name(), classes);
    }

    /**
     * Reads the form written by {@link #toProperties()}.
     *
     * @throws IllegalArgumentException naming a missing or malformed key
     */
    public static MlpConfig parse(java.util.Map<String, String> p) {
        return new MlpConfig(Integer.parseInt(get(p, "dimension")), Integer.parseInt(get(p, "width")),
                Integer.parseInt(get(p, "depth")), Activation.valueOf(get(p, "activation")),
                Integer.parseInt(get(p, "frequencies")), Double.parseDouble(get(p, "frequencyScale")),
                Long.parseLong(get(p, "seed")), Double.parseDouble(get(p, "learningRate")),
                Integer.parseInt(get(p, "warmup")), Double.parseDouble(get(p, "gradientClip")),
                LossReduction.valueOf(get(p, "reduction")), Integer.parseInt(p.getOrDefault("classes", "0").trim()));
    }

    private static String get(java.util.Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new IllegalArgumentException("network configuration is missing \"" + key + "\"");
        }
        return v.trim();
    }
}
