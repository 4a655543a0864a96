package io.github.scoresde.oracle;

import io.github.scoresde.sde.Sde;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NoisyClassifier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The exact noise-conditional classifier of a Gaussian mixture's components: p_t(k | x) are the
 * responsibilities of the perturbed mixture (docs/math.md section 10), and
 * grad_x log p_t(k | x) = (m(t) mu_k - x) / v_k(t) - grad_x log p_t(x) in closed form.
 *
 * @param mixture the mixture whose components are the classes
 * @param sde the SDE
 */
public record ExactMixtureClassifier(GaussianMixture mixture, Sde sde) implements NoisyClassifier {

    /** Validates. */
    public ExactMixtureClassifier {
        Checks.notNull("mixture", mixture);
        Checks.notNull("sde", sde);
    }

    @Override
    public int classes() {
        return mixture.components();
    }

    @Override
    public long[] sampleShape() {
        return new long[] {mixture.dimension()};
    }

    @Override
    public INDArray logProbabilityGradient(INDArray x, INDArray t, int[] labels) {
        ExactMixtureScore.Coefficients c = ExactMixtureScore.coefficients(sde, x, t, sampleShape());
        return mixture.logResponsibilityGradient(x, c.m(), c.s(), labels);
    }
}
