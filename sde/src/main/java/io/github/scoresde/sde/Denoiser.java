package io.github.scoresde.sde;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The data-prediction view of a score model (docs/math.md section 12): by Tweedie's formula the
 * posterior mean of x(0) given x(t) = x is x0_hat(x, t) = (x + s(t)^2 score(x, t)) / m(t).
 *
 * <p>The fast samplers work in the scaled state y = x / m(t), which is the data plus noise of
 * standard deviation sigma(t) = s(t) / m(t) ({@link Sde#noiseLevel}); in those coordinates the
 * probability-flow ODE of every SDE of the library is dy/dsigma = (y - D(y, sigma)) / sigma with
 * D the denoiser, so one solver serves VE, VP and sub-VP alike.
 *
 * @param sde the forward SDE, giving m(t) and s(t)
 * @param score the score model
 */
public record Denoiser(Sde sde, ScoreFunction score) {

    /** Validates the components. */
    public Denoiser {
        Checks.notNull("sde", sde);
        Checks.notNull("score", score);
    }

    /**
     * x0_hat(x, t) = (x + s(t)^2 score(x, t)) / m(t) for a batch at one time.
     *
     * @param x states {@code [batch, sampleShape...]}, float32 or float64, not modified
     * @param t the time of every example, in [0, T]
     * @return the estimates of x(0), shape and data type of x, a new array
     */
    public INDArray denoise(INDArray x, double t) {
        double m = sde.meanCoefficient(t);
        double s = sde.marginalStd(t);
        INDArray eps = score.score(x, t);
        INDArray out = Kernels.scaledCombination(x.ulike(), 1 / m, x, s * s / m, new double[] {1}, eps);
        NdArrays.release(eps);
        return out;
    }

    /**
     * D(y, t) = x0_hat(m(t) y, t) for a batch of scaled states y = x / m(t): the same estimate
     * read in the coordinates of the fast samplers, y + sigma(t)^2 m(t) score(m(t) y, t).
     *
     * @param y scaled states {@code [batch, sampleShape...]}, not modified
     * @param t the time of every example
     * @return the estimates of x(0), shape and data type of y, a new array
     */
    public INDArray denoiseScaled(INDArray y, double t) {
        double m = sde.meanCoefficient(t);
        if (m == 1) {
            return denoise(y, t);
        }
        INDArray x = y.mul(m);
        INDArray out = denoise(x, t);
        NdArrays.release(x);
        return out;
    }
}
