package io.github.scoresde.training.data;

import io.github.scoresde.core.RandomSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where training batches come from: {@code batch(n, rng)} returns n examples {@code [n, d]}
 * float32. Deterministic sources (the toy sets, CSV files) return the same batch for the same
 * source of randomness, which is what makes resumed training equal to uninterrupted training.
 */
public interface DataSource {

    /** d, the dimension of one example. */
    int dimension();

    /**
     * @param n the batch size, &gt;= 1
     * @param rng the randomness of this batch
     * @return {@code [n, d]} float32
     */
    INDArray batch(int n, RandomSource rng);

    /** A short name for logs. */
    String name();
}
