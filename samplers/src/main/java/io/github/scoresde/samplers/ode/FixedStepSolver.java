package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.OdeSystem;
import io.github.scoresde.samplers.TimeGrid;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A one-step method on fixed nodes: either a number of equal steps between the solve's end points,
 * or the times of a {@link TimeGrid} (a uniform, EDM/Karras or log-SNR grid), whose first and last
 * times must be the solve's end points (in either order: a grid runs backwards for encoding).
 * Subclasses give the single step; this class runs the loop, counts evaluations and guards against
 * a non-finite state.
 */
public abstract class FixedStepSolver implements OdeSolver {
    private final int steps;
    private final TimeGrid grid;

    /** @param steps the number of equal steps, &gt;= 1 */
    protected FixedStepSolver(int steps) {
        this.steps = Checks.positive("steps", steps);
        this.grid = null;
    }

    /** @param grid the nodes, at least two times: one step between consecutive ones */
    protected FixedStepSolver(TimeGrid grid) {
        this.grid = Checks.notNull("grid", grid);
        if (grid.steps() < 2) {
            throw new IllegalArgumentException("grid must hold at least two times (one step); got " + grid.steps());
        }
        this.steps = grid.steps() - 1;
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
        // equal steps: t_k = t0 + k h with one h; a grid: its own times
        double[] nodes = grid == null ? null : nodes(t0, t1);
        double uniform = (t1 - t0) / steps;
        INDArray y = y0.dup();
        for (int k = 0; k < steps; k++) {
            double t = nodes == null ? t0 + k * uniform : nodes[k];
            double h = nodes == null ? uniform : nodes[k + 1] - t;
            y = step(system, t, h, y);
            if (!Double.isFinite(y.sumNumber().doubleValue())) {
                throw new OdeSolverException(getClass().getSimpleName() + ": non-finite state at step " + (k + 1)
                        + " of " + steps + " (t = " + (t + h) + ")", t + h);
            }
        }
        return new OdeSolution(y, t1, steps * stagesPerStep(), steps, 0);
    }

    /** The grid's steps + 1 times in the order of a solve from t0 to t1. */
    private double[] nodes(double t0, double t1) {
        double[] nodes = new double[steps + 1];
        boolean forward = t0 == grid.end() && t1 == grid.start();
        if (!forward && !(t0 == grid.start() && t1 == grid.end())) {
            throw new IllegalArgumentException("the grid runs from " + grid.start() + " to " + grid.end()
                    + "; it cannot solve from " + t0 + " to " + t1);
        }
        for (int k = 0; k <= steps; k++) {
            nodes[k] = grid.time(forward ? steps - k : k);
        }
        return nodes;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + (grid == null ? "[steps=" + steps + "]" : "[" + grid + "]");
    }
}
