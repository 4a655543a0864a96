package io.github.scoresde.training.data;

import io.github.scoresde.oracle.GaussianMixture;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The toy data sets of the benchmarks (BENCHMARKS.md), as a choice: each names one generator of
 * {@link ToyDatasets}. {@link #id()} is the spelling the command line uses.
 */
public enum ToyData {
    /** {@link ToyDatasets#checkerboard()}. */
    CHECKERBOARD(ToyDatasets::checkerboard),
    /** {@link GaussianMixture#eightGaussians()}. */
    EIGHT_GAUSSIANS(() -> ToyDatasets.mixture("eight-gaussians", GaussianMixture.eightGaussians())),
    /** {@link GaussianMixture#gmm64()}. */
    GMM_64(() -> ToyDatasets.mixture("gmm-64", GaussianMixture.gmm64())),
    /** {@link ToyDatasets#moons()}. */
    MOONS(ToyDatasets::moons),
    /** {@link ToyDatasets#swissRoll()}. */
    SWISS_ROLL(ToyDatasets::swissRoll);

    private final Supplier<DataSource> source;

    ToyData(Supplier<DataSource> source) {
        this.source = source;
    }

    /** A new source of this data set. */
    public DataSource source() {
        return source.get();
    }

    /** The command-line spelling: lower case with hyphens, e.g. {@code eight-gaussians}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The data set whose {@link #id()} is {@code id}.
     *
     * @throws IllegalArgumentException listing the valid ids
     */
    public static ToyData fromId(String id) {
        for (ToyData d : values()) {
            if (d.id().equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("Unknown data set \"" + id + "\"; expected one of "
                + Arrays.stream(values()).map(ToyData::id).toList());
    }
}
