package io.github.scoresde.samplers;

import org.nd4j.linalg.api.ndarray.INDArray;

/** No predictor: leaves x as it is (corrector-only sampling, e.g. NCSN's annealed Langevin dynamics). */
public final class NonePredictor implements Predictor {
    static final NonePredictor INSTANCE = new NonePredictor();

    private NonePredictor() {
    }

    @Override
    public StepResult step(StepContext ctx, INDArray x) {
        return new StepResult(x, x);
    }

    @Override
    public int scoreEvaluations() {
        return 0;
    }

    @Override
    public String toString() {
        return "NonePredictor";
    }
}
