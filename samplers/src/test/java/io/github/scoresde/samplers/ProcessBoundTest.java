package io.github.scoresde.samplers;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A score built for one SDE is refused under another, by every sampler, solve and likelihood. */
class ProcessBoundTest {

    @Test
    void aScoreIsUsedOnlyUnderItsOwnSde() {
        Sde vp = new VpSde();
        Sde ve = new VeSde(0.01, 10);
        ExactMixtureScore score = new ExactMixtureScore(GaussianMixture.eightGaussians(), vp);
        String why = "the score was built for the SDE " + vp.spec() + " but is used under " + ve.spec();
        assertRejects(() -> PredictorCorrectorSampler.builder().steps(20).build().sample(ve, score, 4, 1), why);
        ProbabilityFlowSampler flow = ProbabilityFlowSampler.builder().build();
        assertRejects(() -> flow.sample(ve, score, 4, 1), why);
        INDArray x = RandomSource.of(2).gaussian(DataType.FLOAT, 0, 4, 2);
        assertRejects(() -> flow.encode(ve, score, x), why);
        assertRejects(() -> flow.decode(ve, score, x), why);
        assertRejects(() -> Likelihood.create().logLikelihood(ve, score, x, RandomSource.of(3)), why);
        // under its own SDE, and under an equal one, it runs
        assertEquals(4, PredictorCorrectorSampler.builder().steps(20).build().sample(new VpSde(), score, 4, 1)
                .samples().size(0));
    }
}
