package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Integrates dy/dt = F(t, y) from t0 to t1 (either direction). Solvers are immutable
 * configurations; the state's data type is y0's (float32 or float64).
 */
public interface OdeSolver {

    /**
     * @param system the equation
     * @param t0 the start time
     * @param t1 the end time (may be smaller than t0: integration runs backwards)
     * @param y0 the initial state, not modified
     * @return y(t1) with the evaluations and steps it took
     * @throws OdeSolverException when the solver cannot reach t1 (step limit, step size underflow,
     *     non-finite state)
     */
    OdeSolution solve(OdeSystem system, double t0, double t1, INDArray y0);

    /** The order of accuracy p: the global error falls like h^p. */
    int order();
}
