package io.github.scoresde.samplers;

import org.nd4j.linalg.api.ndarray.INDArray;

/** No corrector: leaves x as it is (predictor-only sampling). */
public final class NoneCorrector implements Corrector {
    static final NoneCorrector INSTANCE = new NoneCorrector();

    private NoneCorrector() {
    }

    @Override
    public StepResult correct(StepContext ctx, INDArray x) {
        return new StepResult(x, x);
    }

    @Override
    public int scoreEvaluations() {
        return 0;
    }

    @Override
    public String toString() {
        return "NoneCorrector";
    }
}
