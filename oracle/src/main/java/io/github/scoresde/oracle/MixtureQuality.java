package io.github.scoresde.oracle;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sample quality against a Gaussian mixture whose exact draws are available (BENCHMARKS.md, B3):
 * the sliced Wasserstein-1 distance to a set of exact reference draws and the mode-weight error,
 * with their floor, the same figures between independent sets of exact draws.
 */
public final class MixtureQuality {
    /** The seed of the reference draws of BENCHMARKS.md-style figures. */
    public static final long REFERENCE_SEED = 1001;

    private MixtureQuality() {
    }

    /**
     * Quality figures of one sample set.
     *
     * @param slicedWasserstein sliced Wasserstein-1 to the reference draws (512 directions, seed 0)
     * @param modeWeightError the largest |fraction - weight| over the components
     */
    public record Figures(double slicedWasserstein, double modeWeightError) {
    }

    /**
     * The floor: mean and standard deviation of the figures between pairs of independent exact
     * draw sets of the same size (pair k uses seeds 3000 + 2k and 3001 + 2k).
     */
    public record Floor(double slicedWassersteinMean, double slicedWassersteinSd, double modeWeightErrorMean,
            double modeWeightErrorSd, int pairs) {
    }

    /** {@code n} exact reference draws (seed {@link #REFERENCE_SEED}). */
    public static INDArray reference(GaussianMixture mixture, int n) {
        return mixture.sample(n, RandomSource.of(REFERENCE_SEED));
    }

    /** The figures of {@code samples} against {@code reference} (same size) and the mixture. */
    public static Figures measure(INDArray samples, INDArray reference, GaussianMixture mixture) {
        return new Figures(SampleMetrics.slicedWasserstein1(samples, reference),
                SampleMetrics.modeWeightError(samples, mixture));
    }

    /** The floor of the figures for sets of {@code n} exact draws, over {@code pairs} pairs (&gt;= 2). */
    public static Floor floor(GaussianMixture mixture, int n, int pairs) {
        Checks.positive("n", n);
        if (pairs < 2) {
            throw new IllegalArgumentException("pairs must be at least 2; got " + pairs);
        }
        double[] sw = new double[pairs];
        double[] me = new double[pairs];
        for (int k = 0; k < pairs; k++) {
            INDArray a = mixture.sample(n, RandomSource.of(3000 + 2 * k));
            INDArray b = mixture.sample(n, RandomSource.of(3001 + 2 * k));
            sw[k] = SampleMetrics.slicedWasserstein1(b, a);
            me[k] = SampleMetrics.modeWeightError(b, mixture);
        }
        return new Floor(mean(sw), sd(sw), mean(me), sd(me), pairs);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double sd(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
