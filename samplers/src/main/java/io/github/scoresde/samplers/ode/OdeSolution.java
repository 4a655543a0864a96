package io.github.scoresde.samplers.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The end state of an ODE solve and what it cost.
 *
 * @param y the state at {@code t}
 * @param t the time reached (the requested end time)
 * @param evaluations the number of evaluations of F (NFE)
 * @param acceptedSteps accepted steps
 * @param rejectedSteps rejected steps (always 0 for fixed-step solvers)
 */
public record OdeSolution(INDArray y, double t, int evaluations, int acceptedSteps, int rejectedSteps) {
}
