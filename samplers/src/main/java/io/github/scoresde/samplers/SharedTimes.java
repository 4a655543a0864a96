package io.github.scoresde.samplers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One sampling run's per-example time array ({@code [rows]}, float32), shared by its steps and
 * filled with a step's time only when something asks for it: the score itself is evaluated at the
 * scalar time ({@link io.github.scoresde.core.ScoreFunction#score(INDArray, double)}), so most
 * steps never touch the array. Not thread-safe (one run, one thread).
 */
final class SharedTimes {
    /** The data type of the times and of the samplers' noise. */
    static final DataType TYPE = DataType.FLOAT;

    private final INDArray array;
    private double filledWith = Double.NaN;

    SharedTimes(int rows) {
        this.array = Nd4j.create(TYPE, rows);
    }

    /** The number of examples. */
    int rows() {
        return (int) array.length();
    }

    /** The array with every entry t (filled now unless it already holds t). */
    INDArray at(double t) {
        if (Double.compare(t, filledWith) != 0) {
            array.assign(t);
            filledWith = t;
        }
        return array;
    }
}
