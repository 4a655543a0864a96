package io.github.scoresde.training.data;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Any DL4J {@link DataSetIterator} as a source: its features (flattened to {@code [batch, d]}) are
 * the clean data; labels are ignored. Batches are gathered from consecutive iterator batches,
 * resetting at the end. Not deterministic in the source of randomness (the iterator decides the
 * order), so resumed training equals uninterrupted training only if the iterator is restarted at
 * the same point.
 */
public final class IteratorDataSource implements DataSource {
    private final DataSetIterator iterator;
    private final int dimension;
    private INDArray buffer;
    private int position;

    /** @param iterator the iterator; its features must have a fixed number of values per example */
    public IteratorDataSource(DataSetIterator iterator) {
        this.iterator = Checks.notNull("iterator", iterator);
        if (!iterator.hasNext()) {
            iterator.reset();
        }
        INDArray f = iterator.next().getFeatures();
        this.dimension = (int) (f.length() / f.size(0));
        this.buffer = f.reshape(f.size(0), dimension).castTo(DataType.FLOAT);
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public synchronized INDArray batch(int n, RandomSource rng) {
        Checks.positive("n", n);
        INDArray out = Nd4j.create(DataType.FLOAT, n, dimension);
        int filled = 0;
        while (filled < n) {
            if (position >= buffer.size(0)) {
                if (!iterator.hasNext()) {
                    iterator.reset();
                }
                INDArray f = iterator.next().getFeatures();
                if (f.length() / f.size(0) != dimension) {
                    throw new IllegalArgumentException("iterator features changed dimension from " + dimension + " to "
                            + f.length() / f.size(0));
                }
                buffer = f.reshape(f.size(0), dimension).castTo(DataType.FLOAT);
                position = 0;
            }
            int take = (int) Math.min(n - filled, buffer.size(0) - position);
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(filled, filled + take))
                    .assign(buffer.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(position, position + take)));
            filled += take;
            position += take;
        }
        return out;
    }

    @Override
    public String name() {
        return "iterator:" + iterator.getClass().getSimpleName();
    }
}
