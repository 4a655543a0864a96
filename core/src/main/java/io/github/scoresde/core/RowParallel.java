package io.github.scoresde.core;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Splits a loop over the rows of a batch across the common fork-join pool when there is enough
 * work (on 2 cores: the caller and one worker). For the Java loops of the exact mixture score and
 * the noise generator, which run while ND4J's pools are idle.
 */
public final class RowParallel {
    private RowParallel() {
    }

    /** A loop body over rows [from, to). */
    public interface RowRange {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over [0, rows) in contiguous ranges, in parallel when {@code rows x perRow}
     * exceeds {@code threshold} (at most 16 ranges per pool thread, plus one: with few ranges the last
     * one runs alone while the other thread idles).
     */
    public static void forRows(int rows, long perRow, long threshold, RowRange body) {
        long total = rows * perRow;
        int tasks = (int) Math.min(Math.min(rows, total / threshold + 1),
                16L * ForkJoinPool.getCommonPoolParallelism() + 1);
        if (tasks <= 1) {
            body.run(0, rows);
            return;
        }
        int per = (rows + tasks - 1) / tasks;
        IntStream.range(0, tasks).parallel().forEach(k -> body.run(k * per, Math.min(rows, (k + 1) * per)));
    }
}
