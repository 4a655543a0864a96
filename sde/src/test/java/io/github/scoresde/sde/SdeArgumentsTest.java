package io.github.scoresde.sde;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.testing.NdAssert;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every public constructor and method rejects bad input with a message naming argument and value. */
class SdeArgumentsTest {

    @Test
    void constructorsRejectBadHyperParameters() {
        assertRejects(() -> new VeSde(0, 10), "sigmaMin must be positive", "0.0");
        assertRejects(() -> new VeSde(0.01, -1), "sigmaMax must be positive", "-1.0");
        assertRejects(() -> new VeSde(5, 1), "sigmaMin must be smaller than sigmaMax", "sigmaMin = 5.0",
                "sigmaMax = 1.0");
        assertRejects(() -> new VeSde(0.01, 10, null), "kernel must not be null");
        assertRejects(() -> new VeSde(Double.NaN, 10), "sigmaMin", "NaN");
        assertRejects(() -> new VpSde(2, 1), "betaMin must not exceed betaMax", "betaMin = 2.0", "betaMax = 1.0");
        assertRejects(() -> new VpSde(-0.1, 20), "betaMin must be non-negative", "-0.1");
        assertRejects(() -> new SubVpSde(0.1, 0), "betaMax must be positive", "0.0");
        assertRejects(() -> new SubVpSde(0.1, Double.POSITIVE_INFINITY), "betaMax", "Infinity");
    }

    @Test
    void timesOutsideTheHorizonAreRejected() {
        for (Sde sde : new Sde[] {new VpSde(), new SubVpSde(), new VeSde()}) {
            assertRejects(() -> sde.marginalStd(1.5), "t must lie in [0.0, 1.0]", "1.5");
            assertRejects(() -> sde.meanCoefficient(-0.1), "t must lie in [0.0, 1.0]", "-0.1");
            assertRejects(() -> sde.diffusion(Double.NaN), "t must lie in", "NaN");
            assertRejects(() -> sde.driftCoefficient(2), "t must lie in", "2.0");
            assertRejects(() -> sde.marginalStd(Nd4j.createFromArray(0.5, 1.2)), "1.2 at index 1");
            assertRejects(() -> sde.discretize(0), "steps must be positive", "0");
            assertRejects(() -> sde.priorLogDensity(Nd4j.zeros(3)), "z must have shape [batch, ...]");
            assertRejects(() -> sde.priorSample(io.github.scoresde.core.RandomSource.of(1), 0, 0, 2),
                    "n must be positive", "0");
            assertTrue(sde.toString().contains("T=1.0"), sde.toString());
        }
        assertRejects(() -> new VpSde().ancestralStep(1000, 1000), "i must lie in [0, 1000)", "1000");
        assertRejects(() -> new VeSde().ancestralStep(-1, 10), "i must lie in [0, 10)", "-1");
    }

    @Test
    void vpDiscretisationWithTooFewStepsNamesTheProblem() {
        VpSde vp = new VpSde();
        // beta_max / N = 2 at N = 10: sqrt(1 - beta) would be NaN
        Discretization d = vp.discretize(10);
        assertRejects(() -> d.driftFactor(9, 1.0), "at least 20 steps", "got 10");
        assertRejects(() -> d.langevinAlpha(9), "at least 20 steps", "got 10");
        assertRejects(() -> vp.ancestralStep(9, 10), "more than 20 steps", "got 10");
        assertRejects(() -> vp.ancestralStep(19, 20), "more than 20 steps", "got 20");
        assertTrue(Double.isFinite(vp.discretize(20).driftFactor(19, 1.0)));
        // the rule is the schedule's, whichever level is asked for: early levels and one step too
        assertRejects(() -> d.driftFactor(0, 0.0), "at least 20 steps", "got 10");
        assertRejects(() -> vp.discretize(1).driftFactor(0, 1.0), "at least 20 steps", "got 1");
        assertRejects(() -> vp.discretize(1).langevinAlpha(0), "at least 20 steps", "got 1");
        assertRejects(() -> vp.ancestralStep(0, 1), "more than 20 steps", "got 1");
        assertEquals(Math.sqrt(1 - vp.discreteBetas(20)[0]) - 1, vp.discretize(20).driftFactor(0, 0.0), 1e-15);
        Discretization ok = vp.discretize(25);
        assertTrue(Double.isFinite(ok.driftFactor(24, 1.0)));
    }

    @Test
    void subVpLangevinAlphaWithTooFewStepsNamesTheProblem() {
        // sub-VP's corrector uses the DDPM alpha_i = 1 - beta_i too: negative at beta_max / N = 2,
        // which made the Langevin step size negative and its noise NaN
        SubVpSde subvp = new SubVpSde();
        assertRejects(() -> subvp.discretize(10).langevinAlpha(9), "at least 20 steps", "got 10");
        assertRejects(() -> subvp.discretize(10).langevinAlpha(0), "at least 20 steps", "got 10");
        assertEquals(1 - subvp.discreteBetas(20)[19], subvp.discretize(20).langevinAlpha(19), 1e-15);
        assertTrue(subvp.discretize(20).langevinAlpha(19) >= 0);
        // its predictor is Euler-Maruyama, which needs no such limit
        assertTrue(Double.isFinite(subvp.discretize(10).driftFactor(9, 1.0)));
    }
}
