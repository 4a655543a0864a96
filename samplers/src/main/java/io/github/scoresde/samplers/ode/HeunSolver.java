package io.github.scoresde.samplers.ode;

import io.github.scoresde.core.OdeSystem;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Heun's method (explicit trapezoid): order 2, two evaluations per step. */
public final class HeunSolver extends FixedStepSolver {

    /** @param steps the number of equal steps */
    public HeunSolver(int steps) {
        super(steps);
    }

    @Override
    protected int stagesPerStep() {
        return 2;
    }

    @Override
    protected INDArray step(OdeSystem f, double t, double h, INDArray y) {
        INDArray k1 = f.derivative(t, y);
        INDArray k2 = f.derivative(t + h, k1.mul(h).addi(y));
        return y.addi(k1.addi(k2).muli(h / 2));
    }

    @Override
    public int order() {
        return 2;
    }
}
