package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The architecture of a {@link UNetScoreNetwork}: the image shape, the channels of each level, the
 * time embedding and the group counts of its GroupNorms. Immutable; built with {@link #builder}.
 *
 * <p>Level 0 is a stride-1 3x3 convolution, each further level a stride-2 3x3 convolution, all
 * without padding (VALID); the decoder mirrors them with transposed convolutions, concatenating
 * the encoder's features of the same level, zero-padded by one row and column where the
 * encoder's size was odd-rounded (PyTorch's {@code output_padding}). A level's GroupNorm uses
 * {@code min(groups, channels)} groups ({@code firstGroups} at level 0 of the encoder).
 * {@link #tutorial()} is the "tutorial U-Net" of docs/benchmarks.md (1,115,297 parameters).
 */
public final class UNetConfig {
    /** The default channels per level, those of the tutorial U-Net. */
    static final int[] DEFAULT_CHANNELS = {32, 64, 128, 256};
    /** The default embedding width. */
    public static final int DEFAULT_EMBEDDING = 256;
    /** The default scale of the Fourier frequencies, the tutorial's. */
    public static final double DEFAULT_FREQUENCY_SCALE = 30;

    private final int imageChannels;
    private final int height;
    private final int width;
    private final int[] channels;
    private final int embedding;
    private final double frequencyScale;
    private final int groups;
    private final int firstGroups;
    private final int classes;
    private final long seed;

    private UNetConfig(Builder b) {
        this.imageChannels = b.imageChannels;
        this.height = b.height;
        this.width = b.width;
        this.channels = b.channels.clone();
        this.embedding = b.embedding;
        this.frequencyScale = b.frequencyScale;
        this.groups = b.groups;
        this.firstGroups = b.firstGroups;
        this.classes = b.classes;
        this.seed = b.seed;
    }

    /** The tutorial U-Net of docs/benchmarks.md: 1 x 28 x 28 images, exactly its layers. */
    public static UNetConfig tutorial() {
        return builder(1, 28, 28).build();
    }

    /**
     * A builder for images of {@code imageChannels x height x width}, starting from the tutorial's
     * channels, embedding and groups.
     */
    public static Builder builder(int imageChannels, int height, int width) {
        return new Builder(imageChannels, height, width);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(imageChannels, height, width);
        b.channels = channels.clone();
        b.embedding = embedding;
        b.frequencyScale = frequencyScale;
        b.groups = groups;
        b.firstGroups = firstGroups;
        b.classes = classes;
        b.seed = seed;
        return b;
    }

    /** The image shape {@code [C, H, W]}. */
    public long[] sampleShape() {
        return new long[] {imageChannels, height, width};
    }

    /** The channels of the images (1 grayscale, 3 RGB). */
    public int imageChannels() {
        return imageChannels;
    }

    /** The image height in pixels. */
    public int height() {
        return height;
    }

    /** The image width in pixels. */
    public int width() {
        return width;
    }

    /** The feature channels of each level (a copy); its length is the depth. */
    public int[] channels() {
        return channels.clone();
    }

    /** The width of the time (and label) embedding; the Fourier features number as many. */
    public int embedding() {
        return embedding;
    }

    /** The standard deviation of the Gaussian Fourier frequencies. */
    public double frequencyScale() {
        return frequencyScale;
    }

    /** The GroupNorm group count of every level but the encoder's first. */
    public int groups() {
        return groups;
    }

    /** The GroupNorm group count of the encoder's first level. */
    public int firstGroups() {
        return firstGroups;
    }

    /** The number of classes of a class-conditional network (a null class is added); 0 otherwise. */
    public int classes() {
        return classes;
    }

    /** The seed of the initial weights and the Fourier frequencies. */
    public long seed() {
        return seed;
    }

    /** The spatial size of each encoder level: {@code [level][0]} height, {@code [level][1]} width. */
    int[][] levelSizes() {
        int[][] s = new int[channels.length][2];
        int h = height;
        int w = width;
        for (int i = 0; i < channels.length; i++) {
            int stride = i == 0 ? 1 : 2;
            h = Math.floorDiv(h - 3, stride) + 1;
            w = Math.floorDiv(w - 3, stride) + 1;
            s[i][0] = h;
            s[i][1] = w;
        }
        return s;
    }

    /** GroupNorm groups at encoder level i (decoder levels use {@link #groups()} capped likewise). */
    int groupsAt(int level, boolean encoder) {
        int g = Math.min(encoder && level == 0 ? firstGroups : groups, channels[level]);
        return g;
    }

    /** The configuration as {@code key=value} lines under the prefix {@code unet.}. */
    public String toProperties() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : asMap().entrySet()) {
            b.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return b.toString();
    }

    private Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("unet.imageChannels", Integer.toString(imageChannels));
        m.put("unet.height", Integer.toString(height));
        m.put("unet.width", Integer.toString(width));
        StringBuilder c = new StringBuilder();
        for (int i = 0; i < channels.length; i++) {
            c.append(i == 0 ? "" : ",").append(channels[i]);
        }
        m.put("unet.channels", c.toString());
        m.put("unet.embedding", Integer.toString(embedding));
        m.put("unet.frequencyScale", String.format(Locale.ROOT, "%s", Double.toString(frequencyScale)));
        m.put("unet.groups", Integer.toString(groups));
        m.put("unet.firstGroups", Integer.toString(firstGroups));
        m.put("unet.classes", Integer.toString(classes));
        m.put("unet.seed", Long.toString(seed));
        return m;
    }

    /**
     * Reads {@link #toProperties()}.
     *
     * @throws IllegalArgumentException naming a missing or malformed key
     */
    public static UNetConfig parse(Map<String, String> p) {
        try {
            Builder b = builder(intOf(p, "unet.imageChannels"), intOf(p, "unet.height"), intOf(p, "unet.width"));
            b.channels(Arrays.stream(require(p, "unet.channels").split(",")).map(String::trim)
                    .mapToInt(Integer::parseInt).toArray());
            b.embedding(intOf(p, "unet.embedding"));
            b.frequencyScale(Double.parseDouble(require(p, "unet.frequencyScale")));
            b.groups(intOf(p, "unet.firstGroups"), intOf(p, "unet.groups"));
            b.classes(intOf(p, "unet.classes"));
            b.seed(Long.parseLong(require(p, "unet.seed")));
            return b.build();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed U-Net configuration: " + e.getMessage(), e);
        }
    }

    private static String require(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new IllegalArgumentException("the U-Net configuration lacks " + key);
        }
        return v.trim();
    }

    private static int intOf(Map<String, String> p, String key) {
        return Integer.parseInt(require(p, key));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && c.asMap().equals(asMap());
    }

    @Override
    public int hashCode() {
        return Objects.hash(asMap());
    }

    @Override
    public String toString() {
        return "UNetConfig[" + imageChannels + "x" + height + "x" + width + ", channels "
                + Arrays.toString(channels) + ", embedding " + embedding + ", groups " + firstGroups + "/" + groups
                + (classes > 0 ? ", classes " + classes : "") + "]";
    }

    /** Builds a {@link UNetConfig}. */
    public static final class Builder {
        private final int imageChannels;
        private final int height;
        private final int width;
        private int[] channels = DEFAULT_CHANNELS.clone();
        private int embedding = DEFAULT_EMBEDDING;
        private double frequencyScale = DEFAULT_FREQUENCY_SCALE;
        private int groups = 32;
        private int firstGroups = 4;
        private int classes;
        private long seed = 1;

        private Builder(int imageChannels, int height, int width) {
            this.imageChannels = Checks.positive("imageChannels", imageChannels);
            this.height = Checks.positive("height", height);
            this.width = Checks.positive("width", width);
        }

        /** The feature channels per level (depth = its length, at least 1). */
        public Builder channels(int... perLevel) {
            Checks.notNull("channels", perLevel);
            if (perLevel.length == 0) {
                throw new IllegalArgumentException("channels must name at least one level");
            }
            for (int c : perLevel) {
                Checks.positive("channels", c);
            }
            this.channels = perLevel.clone();
            return this;
        }

        /** The embedding width (even: half sines, half cosines). */
        public Builder embedding(int width) {
            Checks.positive("embedding", width);
            if (width % 2 != 0) {
                throw new IllegalArgumentException("embedding must be even (sines and cosines); got " + width);
            }
            this.embedding = width;
            return this;
        }

        /** The standard deviation of the Fourier frequencies. */
        public Builder frequencyScale(double scale) {
            this.frequencyScale = Checks.positive("frequencyScale", scale);
            return this;
        }

        /** GroupNorm groups: at the encoder's first level, and everywhere else. */
        public Builder groups(int first, int others) {
            this.firstGroups = Checks.positive("firstGroups", first);
            this.groups = Checks.positive("groups", others);
            return this;
        }

        /** Classes of a class-conditional network (at least 2), or 0 for an unconditional one. */
        public Builder classes(int k) {
            if (k < 0 || k == 1) {
                throw new IllegalArgumentException("classes must be 0 (unconditional) or at least 2; got " + k);
            }
            this.classes = k;
            return this;
        }

        /** The seed of the initial weights and frequencies. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * @throws IllegalArgumentException when the images are too small for the depth, or a level's
         *     channels are not divisible by its group count
         */
        public UNetConfig build() {
            UNetConfig c = new UNetConfig(this);
            int[][] sizes = c.levelSizes();
            for (int i = 0; i < channels.length; i++) {
                if (sizes[i][0] < 1 || sizes[i][1] < 1) {
                    throw new IllegalArgumentException("images of " + height + "x" + width + " are too small for "
                            + channels.length + " levels of 3x3 convolutions; use fewer levels or larger images");
                }
                for (boolean enc : new boolean[] {true, false}) {
                    int g = c.groupsAt(i, enc);
                    if (channels[i] % g != 0) {
                        throw new IllegalArgumentException("level " + i + " has " + channels[i]
                                + " channels, not divisible into " + g + " groups");
                    }
                }
            }
            return c;
        }
    }
}
