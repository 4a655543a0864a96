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
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageGrid;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
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

    /** The README's image snippet, line for line, on a written 4-image IDX folder with tiny sizes. */
    @Test
    void imageSnippetRuns(@TempDir Path dir) throws java.io.IOException {
        byte[] written = new byte[4 * 784];
        for (int i = 0; i < written.length; i++) {
            written[i] = (byte) (i * 7 % 256);
        }
        IdxFiles.write(new ImageSet("written", written, 4, 1, 28, 28, null), dir.resolve(IdxFiles.TRAIN_IMAGES),
                null);
        ImageSet images = IdxFiles.readFolder(dir, IdxFiles.Split.TRAIN);
        ImageSource data = ImageSource.of(images).dequantized(true);
        Sde sde = new VeSde(0.01, Math.ceil(data.maxPairwiseDistance(1000)));
        Trainer.Result r = new Trainer(Trainer.Settings.builder().steps(1).batchSize(4).build())
                .train(UNetScoreNetwork.create(UNetConfig.tutorial()), sde, data, DataScaler.identity(784));
        INDArray pixels = r.model().toData(PredictorCorrectorSampler.builder().steps(3).build()
                .sample(sde, r.model().score(), 2, RandomSource.of(1)).samples());
        ImageGrid.write(pixels, 3, dir.resolve("samples.png"));
        assertArrayEquals(new long[] {2, 1, 28, 28}, pixels.shape());
        assertTrue(Files.size(dir.resolve("samples.png")) > 0);
    }
}
