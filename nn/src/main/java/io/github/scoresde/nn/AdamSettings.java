package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Locale;
import java.util.Map;

/**
 * How a network is optimised, apart from what it is: Adam's learning rate with an optional linear
 * warm-up, and the global gradient-norm clip of the reference code (0: none). Immutable; built with
 * {@link #builder()}, whose defaults are BENCHMARKS.md's (1e-3, no warm-up, clip 1.0).
 */
public final class AdamSettings {
    /** BENCHMARKS.md: Adam at 1e-3. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** BENCHMARKS.md: gradient-norm clip 1.0. */
    public static final double DEFAULT_GRADIENT_CLIP = 1.0;

    private final double learningRate;
    private final int warmup;
    private final double gradientClip;

    private AdamSettings(Builder b) {
        this.learningRate = Checks.positive("learningRate", b.learningRate);
        this.warmup = Checks.nonNegative("warmup", b.warmup);
        this.gradientClip = Checks.nonNegative("gradientClip", b.gradientClip);
    }

    /** The defaults of BENCHMARKS.md. */
    public static AdamSettings defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Adam's learning rate (after the warm-up). */
    public double learningRate() {
        return learningRate;
    }

    /** Iterations of linear learning-rate warm-up (0: none). */
    public int warmup() {
        return warmup;
    }

    /** The L2 norm above which the whole gradient is scaled down (0: no clipping). */
    public double gradientClip() {
        return gradientClip;
    }

    /** {@code key=value} lines, read back by {@link #parse}. */
    public String toProperties() {
        return String.format(Locale.ROOT, "learningRate=%s%nwarmup=%d%ngradientClip=%s%n",
                Double.toString(learningRate), warmup, Double.toString(gradientClip));
    }

    /**
     * Reads the form of {@link #toProperties()}.
     *
     * @throws IllegalArgumentException naming a missing or malformed key
     */
    public static AdamSettings parse(Map<String, String> p) {
        return builder().learningRate(Double.parseDouble(MlpConfig.get(p, "learningRate")))
                .warmup(Integer.parseInt(MlpConfig.get(p, "warmup")))
                .gradientClip(Double.parseDouble(MlpConfig.get(p, "gradientClip"))).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdamSettings a && a.learningRate == learningRate && a.warmup == warmup
                && a.gradientClip == gradientClip;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(learningRate) * 31 + warmup * 7 + Double.hashCode(gradientClip);
    }

    @Override
    public String toString() {
        return "AdamSettings[learningRate=" + learningRate + ", warmup=" + warmup + ", gradientClip=" + gradientClip
                + "]";
    }

    /** Builder of {@link AdamSettings}; values are checked by {@link #build()}. */
    public static final class Builder {
        private double learningRate = DEFAULT_LEARNING_RATE;
        private int warmup;
        private double gradientClip = DEFAULT_GRADIENT_CLIP;

        private Builder() {
        }

        /** Adam's learning rate, &gt; 0 (default 1e-3). */
        public Builder learningRate(double lr) {
            this.learningRate = lr;
            return this;
        }

        /** Iterations of linear warm-up, &gt;= 0 (default 0). */
        public Builder warmup(int iterations) {
            this.warmup = iterations;
            return this;
        }

        /** The gradient-norm clip, &gt;= 0, 0 for none (default 1.0). */
        public Builder gradientClip(double threshold) {
            this.gradientClip = threshold;
            return this;
        }

        /**
         * The settings.
         *
         * @throws IllegalArgumentException naming the first bad value
         */
        public AdamSettings build() {
            return new AdamSettings(this);
        }
    }
}
