package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Forward Euler, y += h F(t, y): order 1, one evaluation per step. */
public final class EulerSolver extends FixedStepSolver {

    /** @param steps the number of equal steps */
    public EulerSolver(int steps) {
        super(steps);
    }

    /** @param grid the nodes: one step between consecutive times of the grid */
    public EulerSolver(io.github.scoresde.samplers.TimeGrid grid) {
        super(grid);
    }

    @Override
    protected int stagesPerStep() {
        return 1;
    }

    @Override
    protected INDArray step(OdeSystem f, double t, double h, INDArray y) {
        INDArray k = f.derivative(t, y);
        Stages.combine(y, y, h, new double[] {1}, k);
        NdArrays.releaseExcept(new INDArray[] {y}, k);
        return y;
    }

    @Override
    public int order() {
        return 1;
    }
}
