package io.github.scoresde.sde;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.OdeSystem;
import io.github.scoresde.core.kernels.Kernels;
import io.github.scoresde.core.ScoreFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The probability-flow ODE of a forward SDE and a score model (docs/math.md section 3):
 * dx/dt = f(x, t) - g(t)^2 s(x, t) / 2, deterministic, with the same marginals p_t as the SDE
 * when s is the true score. As an {@link OdeSystem} its state is the batch x, shape
 * {@code [batch, sampleShape...]}, and the time is shared by the whole batch.
 *
 * @param sde the forward SDE
 * @param score the score model
 */
public record ProbabilityFlowOde(Sde sde, ScoreFunction score) implements OdeSystem {

    /** Validates the components. */
    public ProbabilityFlowOde {
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
    }

    /** dx/dt = a(t) x - g(t)^2 s(x, t) / 2, all examples at time t; a new array. */
    @Override
    public INDArray derivative(double t, INDArray x) {
        INDArray s = score.score(x, t);
        INDArray out = drift(t, x, s);
        // the score is a new array this call owns: freed at once (NdArrays.release)
        io.github.scoresde.core.NdArrays.release(s);
        return out;
    }

    /**
     * The flow's drift given the score value {@code s} already evaluated at (x, t): a(t) x -
     * g(t)^2 s / 2; a new array.
     */
    public INDArray drift(double t, INDArray x, INDArray s) {
        double g = sde.diffusion(t);
        return Kernels.scaledCombination(x.ulike(), sde.driftCoefficient(t), x, 1, new double[] {-0.5 * g * g}, s);
    }

    /**
     * The divergence of the flow's drift, div_x [a(t) x - g(t)^2 s / 2] = a(t) D - g(t)^2 div s / 2,
     * for one example of {@code dimension} values whose score has divergence {@code scoreDivergence}:
     * the rate of change of the log-density along the flow that the likelihood integrates
     * (docs/math.md, "Likelihood").
     *
     * @param t the time
     * @param dimension D, the number of values in one example
     * @param scoreDivergence div_x s(x, t) at that example (exact or estimated)
     */
    public double driftDivergence(double t, long dimension, double scoreDivergence) {
        double g = sde.diffusion(t);
        return sde.driftCoefficient(t) * dimension - 0.5 * g * g * scoreDivergence;
    }
}
