package io.github.scoresde.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The README's Java snippet, line for line, with tiny sizes: it must compile and run. */
class ReadmeSnippetTest {

    @Test
    void snippetRuns(@TempDir Path dir) {
        GaussianMixture data = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ScoreFunction exact = new ExactMixtureScore(data, sde);
        Trainer.Result trained = new Trainer(Trainer.Settings.builder().steps(3).seed(0).batchSize(32).build())
                .train(MlpScoreNetwork.create(MlpConfig.toyMlp(2)), sde,
                        ToyData.EIGHT_GAUSSIANS.source(), DataScaler.identity(2));
        ScoreFunction learned = trained.model().score();
        Sampler pc = PredictorCorrectorSampler.reverseDiffusionLangevin(25, 0.16);
        SamplingResult r = pc.sample(sde, learned, 16, RandomSource.of(42));
        INDArray samples = r.samples();
        Likelihood.Result nll = Likelihood.create().logLikelihood(sde, exact, samples, RandomSource.of(0));
        trained.model().save(dir.resolve("model.zip"));
        assertArrayEquals(new long[] {16, 2}, samples.shape());
        assertEquals(50, r.scoreEvaluations()); // 25 levels, predictor + corrector
        assertEquals(16, nll.logLikelihood().length);
        assertTrue(Files.exists(dir.resolve("model.zip")));
    }
}
