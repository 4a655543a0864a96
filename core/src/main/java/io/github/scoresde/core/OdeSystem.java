package io.github.scoresde.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An ordinary differential equation dy/dt = F(t, y) on arrays, the equation half of the
 * equation / solver split (the solvers live in the samplers module). The probability-flow ODE
 * and the augmented likelihood ODE implement it.
 */
public interface OdeSystem {

    /**
     * @param t the time (scalar, shared by the whole state)
     * @param y the state, not modified, and valid only during the call: solvers reuse its memory
     *     for later stages, so an implementation must copy what it keeps
     * @return dy/dt, a new array of the shape and data type of {@code y}, owned by the solver,
     *     which releases it once the step that asked for it is decided
     */
    INDArray derivative(double t, INDArray y);

    /**
     * This system reporting, before each evaluation, the fraction of the way from {@code from} to
     * {@code to} covered so far (the largest seen, in [0, 1]), e.g. for a progress bar of a long
     * solve. Reports when the fraction has grown by at least a thousandth.
     */
    static OdeSystem reporting(OdeSystem system, double from, double to, java.util.function.DoubleConsumer progress) {
        Checks.notNull("system", system);
        Checks.notNull("progress", progress);
        double span = to - from;
        double[] best = {-1};
        return (t, y) -> {
            double f = span == 0 ? 1 : Math.min(1, Math.max(0, (t - from) / span));
            if (f >= best[0] + 1e-3 || f == 1 && best[0] < 1) {
                best[0] = f;
                progress.accept(f);
            }
            return system.derivative(t, y);
        };
    }
}
