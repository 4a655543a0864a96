package io.github.scoresde.training;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.guidance.ClassifierFreeGuidance;
import io.github.scoresde.samplers.guidance.ClassifierGuidance;
import io.github.scoresde.oracle.SampleMetrics;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.LabelledSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trained guidance on eight-gaussians with component labels. Stated bounds: a class-conditional
 * network (2 x 128 units, 1,500 steps, batch 256, label dropout 0.1) with classifier-free
 * guidance w = 1 puts at least 90% of 400 samples in the requested component; the exact score
 * guided by the trained DL4J classifier (600 steps) with weight 3 puts at least 95% there (with
 * weight 1 it was 78%: the small classifier's gradients are weak at high noise, which a larger
 * guidance weight compensates, as is common practice).
 */
class ClassifierFreeGuidanceTest {
    private static final GaussianMixture MIX = GaussianMixture.eightGaussians();

    @Test
    void conditionalNetworkWithClassifierFreeGuidanceSamplesTheRequestedComponent() {
        Sde sde = new VpSde();
        MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.builder(2).seed(4).layers(128, 2).classes(8).build());
        Trainer.Result r = new Trainer(Trainer.Settings.builder().steps(1500).seed(3).batchSize(256).build())
                .trainConditional(net, sde, LabelledSource.mixtureComponents(MIX), DataScaler.identity(2), 0.1);
        INDArray x = PredictorCorrectorSampler.builder().steps(300).conditioning(ClassifierFreeGuidance.of(3, 1.0))
                .build().sample(sde, r.model().score(), 400, 5).samples();
        double[] fr = SampleMetrics.modeFractions(x, MIX.means(DataType.DOUBLE));
        assertTrue(fr[3] >= 0.9, "fraction in component 3: " + fr[3]);
        assertRejects(() -> PredictorCorrectorSampler.builder().steps(5).conditioning(ClassifierFreeGuidance.of(3, 1))
                .build().sample(sde, new ExactMixtureScore(MIX, sde), 4, 0), "needs a class-conditional score model");
        assertRejects(() -> PredictorCorrectorSampler.builder().steps(5).conditioning(ClassifierFreeGuidance.of(9, 1))
                .build().sample(sde, r.model().score(), 4, 0), "labels must lie in [0, 8)", "9");
        assertRejects(() -> ClassifierFreeGuidance.of(1, -1), "guidance weight must be non-negative");
        assertRejects(() -> new Trainer(Trainer.Settings.builder().steps(1).build()).trainConditional(
                MlpScoreNetwork.create(MlpConfig.toyMlp(2)), sde, LabelledSource.mixtureComponents(MIX),
                DataScaler.identity(2), 0.1), "needs a network with classes >= 2");
    }

    @Test
    void trainedClassifierGuidesTheExactScore() {
        Sde sde = new VpSde();
        ClassifierNetwork c = ClassifierNetwork.create(2, 8, 64, 2, 1);
        c.train(sde, LabelledSource.mixtureComponents(MIX), 600, 256, 1e-3, 2);
        INDArray x = PredictorCorrectorSampler.builder().steps(300).conditioning(ClassifierGuidance.of(c, 6, 3.0))
                .build().sample(sde, new ExactMixtureScore(MIX, sde), 400, 6).samples();
        double[] fr = SampleMetrics.modeFractions(x, MIX.means(DataType.DOUBLE));
        assertTrue(fr[6] >= 0.95, "fraction in component 6: " + fr[6]);
    }
}
