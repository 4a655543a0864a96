package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A one-step method with a fixed number of equal steps between t0 and t1. Subclasses give the
 * single step; this class runs the loop, counts evaluations and guards against a non-finite state.
 */
public abstract class FixedStepSolver implements OdeSolver {
    private final int steps;

    /** @param steps the number of equal steps, &gt;= 1 */
    protected FixedStepSolver(int steps) {
        this.steps = Checks.positive("steps", steps);
    }

    /** The number of steps. */
    public int steps() {
        return steps;
    }

    /** Evaluations of F per step. */
    protected abstract int stagesPerStep();

    /**
     * One step of size h (signed) from (t, y); may overwrite {@code y}.
     *
     * @return y(t + h), possibly in y's buffer
     */
    protected abstract INDArray step(OdeSystem f, double t, double h, INDArray y);

    @Override
    public OdeSolution solve(OdeSystem system, double t0, double t1, INDArray y0) {
        Checks.notNull("system", system);
        Checks.notNull("y0", y0);
        Checks.finite("t0", t0);
        Checks.finite("t1", t1);
        double h = (t1 - t0) / steps;
        INDArray y = y0.dup();
        for (int k = 0; k < steps; k++) {
            double t = t0 + k * h;
            y = step(system, t, h, y);
            if (!Double.isFinite(y.sumNumber().doubleValue())) {
                throw new OdeSolverException(getClass().getSimpleName() + ": non-finite state at step " + (k + 1)
                        + " of " + steps + " (t = " + (t + h) + ")", t + h);
            }
        }
        return new OdeSolution(y, t1, steps * stagesPerStep(), steps, 0);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[steps=" + steps + "]";
    }
}
