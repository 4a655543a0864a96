package io.github.scoresde.oracle;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.scoresde.core.testing.NdAssert;
import io.github.scoresde.sde.Discretization;
import io.github.scoresde.sde.ProbabilityFlowOde;
import io.github.scoresde.sde.ReverseSde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The exact score's argument checks and its use through the reverse SDE and the probability-flow ODE. */
class ExactMixtureScoreSdeTest {

    @Test
    void scoreModelsRejectWrongShapesAndTimes() {
        ExactMixtureScore oracle = new ExactMixtureScore(GaussianMixture.eightGaussians(), new VpSde());
        INDArray t = Nd4j.createFromArray(0.5f, 0.5f);
        assertRejects(() -> oracle.score(Nd4j.zeros(DataType.FLOAT, 2, 3), t),
                "x must have shape [batch, 2] to match the sample shape [2]", "got [2, 3]");
        assertRejects(() -> oracle.score(Nd4j.zeros(DataType.FLOAT, 2, 2), Nd4j.createFromArray(0.5f)),
                "t must have shape [2]", "[1]");
        assertRejects(() -> oracle.score(Nd4j.zeros(DataType.FLOAT, 2, 2), Nd4j.createFromArray(0.5f, Float.NaN)),
                "t must lie in", "NaN at index 1");
        assertRejects(() -> oracle.score(Nd4j.zeros(DataType.FLOAT, 0, 2), Nd4j.zeros(DataType.FLOAT, 0)),
                "at least one example");
        assertRejects(() -> new ExactMixtureScore(null, new VpSde()), "mixture must not be null");
        assertRejects(() -> new ReverseSde(new VpSde(), null), "score must not be null");
        assertRejects(() -> new ProbabilityFlowOde(null, oracle), "sde must not be null");
    }

    @Test
    void reverseSdeAndProbabilityFlowShareOneScoreWithTheirOwnWeights() {
        VpSde sde = new VpSde();
        ExactMixtureScore oracle = new ExactMixtureScore(GaussianMixture.eightGaussians(), sde);
        INDArray x = Nd4j.createFromArray(new double[][] {{0.4, -1}, {1.5, 0.2}});
        double t = 0.3;
        INDArray tt = Nd4j.createFromArray(t, t);
        INDArray rev = sde.reverse(oracle).drift(x, tt);
        INDArray flow = sde.probabilityFlow(oracle).derivative(t, x);
        INDArray f = sde.drift(x, tt);
        INDArray s = oracle.score(x, tt);
        double g2 = sde.diffusion(t) * sde.diffusion(t);
        NdAssert.assertClose(f.sub(s.mul(g2)), rev, 1e-12, 1e-12);
        NdAssert.assertClose(f.sub(s.mul(g2 / 2)), flow, 1e-12, 1e-12);
        // discrete reverse drift: f_i x - G_i^2 s
        Discretization d = sde.discretize(1000);
        int i = Discretization.indexOf(t, 1, 1000);
        INDArray disc = sde.reverse(oracle).discreteDrift(d, i, t, x, s);
        NdAssert.assertClose(x.mul(d.driftFactor(i, t)).sub(s.mul(Math.pow(d.noiseScale(i, t), 2))), disc, 1e-12,
                1e-12);
        assertEquals(sde.diffusion(t), sde.reverse(oracle).diffusion(t));
    }
}
