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
}
