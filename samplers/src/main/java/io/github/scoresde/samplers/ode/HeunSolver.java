package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Heun's method (explicit trapezoid): order 2, two evaluations per step. */
public final class HeunSolver extends FixedStepSolver {

    /** @param steps the number of equal steps */
    public HeunSolver(int steps) {
        super(steps);
    }

    /** @param grid the nodes: one step between consecutive times of the grid */
    public HeunSolver(io.github.scoresde.samplers.TimeGrid grid) {
        super(grid);
    }

    @Override
    protected int stagesPerStep() {
        return 2;
    }

    @Override
    protected INDArray step(OdeSystem f, double t, double h, INDArray y) {
        INDArray stage = y.ulike();
        INDArray k1 = f.derivative(t, y);
        INDArray k2 = f.derivative(t + h, Stages.combine(stage, y, h, new double[] {1}, k1));
        Stages.combine(y, y, h, new double[] {0.5, 0.5}, k1, k2);
        // the step's derivatives and stage buffer: freed at once, not when the collector gets to them
        NdArrays.releaseExcept(new INDArray[] {y}, stage, k1, k2);
        return y;
    }

    @Override
    public int order() {
        return 2;
    }
}
