package io.github.scoresde.training.data;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link DataSource} (or a {@link LabelledSource}) as an endless DL4J {@link DataSetIterator}:
 * batch k is {@code source.batch(batchSize, rng.stream(k))}, a function of (seed, k) alone, so a
 * trainer that restarts the iterator at batch k sees what an uninterrupted run saw. Features are
 * the clean data {@code [batchSize, d]} float32; for a labelled source the labels are one-hot
 * {@code [batchSize, classes]}. {@link #reset()} returns to batch 0. Not thread-safe.
 */
public final class DataSourceIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private final DataSource unlabelled;
    private final LabelledSource labelled;
    private final int classes;
    private final int dimension;
    private final int batchSize;
    private final RandomSource rng;
    private final String name;
    private long next;
    private DataSetPreProcessor preProcessor;

    private DataSourceIterator(DataSource unlabelled, LabelledSource labelled, int classes, int dimension,
            int batchSize, RandomSource rng, String name) {
        this.unlabelled = unlabelled;
        this.labelled = labelled;
        this.classes = classes;
        this.dimension = dimension;
        this.batchSize = Checks.positive("batchSize", batchSize);
        this.rng = Checks.notNull("rng", rng);
        this.name = name;
    }

    /** Unlabelled batches of {@code source}. */
    public static DataSourceIterator of(DataSource source, int batchSize, RandomSource rng) {
        Checks.notNull("source", source);
        return new DataSourceIterator(source, null, 0, source.dimension(), batchSize, rng, source.name());
    }

    /**
     * Labelled batches of {@code source}, labels one-hot over {@code classes} classes.
     *
     * @param dimension d, the number of values of one example
     */
    public static DataSourceIterator labelled(LabelledSource source, int classes, int dimension, int batchSize,
            RandomSource rng) {
        Checks.notNull("source", source);
        Checks.positive("classes", classes);
        Checks.positive("dimension", dimension);
        return new DataSourceIterator(null, source, classes, dimension, batchSize, rng, "labelled");
    }

    /** The index of the batch {@link #next()} returns. */
    public long position() {
        return next;
    }

    @Override
    public DataSet next() {
        RandomSource r = rng.stream(next++);
        DataSet ds;
        if (unlabelled != null) {
            ds = new DataSet(unlabelled.batch(batchSize, r), null);
        } else {
            LabelledSource.Labelled b = labelled.batch(batchSize, r);
            INDArray oneHot = Nd4j.zeros(b.x().dataType(), b.labels().length, classes);
            for (int i = 0; i < b.labels().length; i++) {
                int y = b.labels()[i];
                if (y < 0 || y >= classes) {
                    throw new IllegalArgumentException("labels must lie in [0, " + classes + "); got " + y
                            + " at index " + i);
                }
                oneHot.putScalar(i, y, 1);
            }
            ds = new DataSet(b.x(), oneHot);
        }
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    /** Batches are {@link #batch()} examples each; {@code num} is ignored. */
    @Override
    public DataSet next(int num) {
        return next();
    }

    @Override
    public boolean hasNext() {
        return true;
    }

    @Override
    public int inputColumns() {
        return dimension;
    }

    @Override
    public int totalOutcomes() {
        return classes;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        next = 0;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    @Override
    public String toString() {
        return name;
    }
}
