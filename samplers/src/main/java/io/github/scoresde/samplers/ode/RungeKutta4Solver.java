package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The classic fourth-order Runge-Kutta method: order 4, four evaluations per step. */
public final class RungeKutta4Solver extends FixedStepSolver {

    /** @param steps the number of equal steps */
    public RungeKutta4Solver(int steps) {
        super(steps);
    }

    @Override
    protected int stagesPerStep() {
        return 4;
    }

    @Override
    protected INDArray step(OdeSystem f, double t, double h, INDArray y) {
        INDArray k1 = f.derivative(t, y);
        INDArray k2 = f.derivative(t + h / 2, k1.mul(h / 2).addi(y));
        INDArray k3 = f.derivative(t + h / 2, k2.mul(h / 2).addi(y));
        INDArray k4 = f.derivative(t + h, k3.mul(h).addi(y));
        INDArray sum = k1.addi(k2.muli(2)).addi(k3.muli(2)).addi(k4);
        return y.addi(sum.muli(h / 6));
    }

    @Override
    public int order() {
        return 4;
    }
}
