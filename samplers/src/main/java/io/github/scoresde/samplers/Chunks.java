package io.github.scoresde.samplers;

import io.github.scoresde.core.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Sampling in chunks of rows, shared by the samplers' {@code chunkSize} settings. */
final class Chunks {
    private Chunks() {
    }

    /** One chunk's run. */
    @FunctionalInterface
    interface Run {
        /**
         * @param first the sample index of the chunk's first row
         * @param rows the chunk's rows
         * @return the chunk's samples {@code [rows, ...]}, a new array the caller owns
         */
        INDArray rows(int first, int rows);
    }

    /**
     * Runs {@code n} samples at most {@code chunkSize} at a time (0: all at once) and gathers them
     * into one array of the chunks' shape and type; a run of one chunk returns that chunk's array.
     */
    static INDArray gather(int n, int chunkSize, Run run) {
        int chunk = chunkSize > 0 ? Math.min(chunkSize, n) : n;
        if (chunk == n) {
            return run.rows(0, n);
        }
        INDArray out = null;
        for (int first = 0; first < n; first += chunk) {
            int rows = Math.min(chunk, n - first);
            INDArray x = run.rows(first, rows);
            if (out == null) {
                long[] shape = x.shape().clone();
                shape[0] = n;
                out = Nd4j.create(x.dataType(), shape);
            }
            out.get(NDArrayIndex.interval(first, first + rows)).assign(x);
            NdArrays.release(x);
        }
        return out;
    }
}
