package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The classic fourth-order Runge-Kutta method: order 4, four evaluations per step. */
public final class RungeKutta4Solver extends FixedStepSolver {

    /** @param steps the number of equal steps */
    public RungeKutta4Solver(int steps) {
        super(steps);
    }

    /** @param grid the nodes: one step between consecutive times of the grid */
    public RungeKutta4Solver(io.github.scoresde.samplers.TimeGrid grid) {
        super(grid);
    }

    @Override
    protected int stagesPerStep() {
        return 4;
    }

    @Override
    protected INDArray step(OdeSystem f, double t, double h, INDArray y) {
        INDArray stage = y.ulike();
        INDArray k1 = f.derivative(t, y);
        INDArray k2 = f.derivative(t + h / 2, Stages.combine(stage, y, h, new double[] {0.5}, k1));
        INDArray k3 = f.derivative(t + h / 2, Stages.combine(stage, y, h, new double[] {0.5}, k2));
        INDArray k4 = f.derivative(t + h, Stages.combine(stage, y, h, new double[] {1}, k3));
        Stages.combine(y, y, h, new double[] {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}, k1, k2, k3, k4);
        // the step's derivatives and stage buffer: freed at once, not when the collector gets to them
        NdArrays.releaseExcept(new INDArray[] {y}, stage, k1, k2, k3, k4);
        return y;
    }

    @Override
    public int order() {
        return 4;
    }
}
