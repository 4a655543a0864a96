package io.github.scoresde.training.data;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A source of labelled training batches (data with class labels), for noisy classifiers and
 * class-conditional score networks.
 */
@FunctionalInterface
public interface LabelledSource {

    /** {@code n} labelled examples from {@code rng}: x {@code [n, d]} float32 and one label each. */
    Labelled batch(int n, RandomSource rng);

    /** Labelled examples. */
    record Labelled(INDArray x, int[] labels) {
    }

    /** Draws of a Gaussian mixture labelled with their component. */
    static LabelledSource mixtureComponents(GaussianMixture mixture) {
        return (n, rng) -> {
            GaussianMixture.Draw d = mixture.sampleLabelled(n, rng, 0);
            return new Labelled(d.x(), d.labels());
        };
    }
}
