package io.github.scoresde.samplers;

import io.github.scoresde.sde.Sde;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Shared option checks of the samplers and the likelihood: the end time (the paper's eps) and
 * the data type of an integrated state.
 */
public final class EndTime {
    private EndTime() {
    }

    /** A builder's end time: positive and finite (checked against T when the SDE is known). */
    public static double check(double t) {
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new IllegalArgumentException("endTime must lie in (0, T); got " + t);
        }
        return t;
    }

    /** The configured end time, or the SDE's default, checked to lie in (0, T). */
    public static double resolve(Double configured, Sde sde) {
        double end = configured != null ? configured : sde.defaultEndTime();
        if (!(end > 0 && end < sde.horizon())) {
            throw new IllegalArgumentException("endTime must lie in (0, " + sde.horizon() + "); got " + end);
        }
        return end;
    }

    /** The data type of an integrated state: FLOAT or DOUBLE. */
    public static DataType checkStateType(DataType t) {
        if (t != DataType.FLOAT && t != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE; got " + t);
        }
        return t;
    }
}
