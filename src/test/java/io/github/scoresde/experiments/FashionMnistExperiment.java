package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.examples.FashionMnistExample;
import io.github.scoresde.samplers.Corrector;
import io.github.scoresde.samplers.Predictor;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.likelihood.BitsPerDimension;
import io.github.scoresde.samplers.likelihood.HutchinsonDivergence;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.samplers.ode.DormandPrince45;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.images.FeatureClassifier;
import io.github.scoresde.training.images.FrechetDistance;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageGrid;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * B8 and B9 of docs/benchmarks.md on Fashion-MNIST: the tutorial U-Net (the shipped model, the
 * model named by {@code -Dfashion.model=FILE}, or one trained here for {@code -Dfashion.steps}
 * steps), {@code -Dfashion.samples} Euler-Maruyama samples ({@code -Dfashion.sampling-steps}
 * steps) scored by the Frechet distance in the features of {@link FeatureClassifier} against the
 * test set, with its floor (10,000 training images against the test set) and the samples' class
 * histogram; then bits per dimension of the first {@code -Dfashion.bpd-images} test images
 * (dequantised, PF-ODE, Hutchinson, RK45 rtol = atol = 1e-5). Writes a grid of samples to
 * {@code target/fashion-experiment.png}. Defaults are the benchmark's full sizes (10,000 and
 * 10,000: hours on 2 cores); docs/benchmarks.md states the sizes of the recorded run.
 *
 * <p>Asserts what must hold of any working model: every bpd finite and below 8 (the bound of a
 * uniform model), and the samples nearer the test set in feature space than uniform noise is.
 * Skips, saying how to install it, without Fashion-MNIST. Run with {@code mvn -B test -Pslow
 * -Dtest=FashionMnistExperiment -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class FashionMnistExperiment {

    @Test
    void tutorialUNetOnFashionMnist() {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnistExample.FASHION_MNIST),
                "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        int samples = Integer.getInteger("fashion.samples", 10_000);
        int samplingSteps = Integer.getInteger("fashion.sampling-steps", 500);
        int bpdImages = Integer.getInteger("fashion.bpd-images", 10_000);
        int steps = Integer.getInteger("fashion.steps", 0);
        Path modelFile = Path.of(System.getProperty("fashion.model", "../" + FashionMnistExample.SHIPPED));
        ImageSet train = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TRAIN);
        ImageSet test = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TEST);

        long t0 = System.nanoTime();
        TrainedModel model = steps > 0 ? trained(steps) : TrainedModel.load(modelFile);
        System.out.printf("%nmodel: %s (%s)%n", steps > 0 ? "trained here, " + steps + " steps" : modelFile,
                model.sde().spec());

        FeatureClassifier classifier = FeatureClassifier.train(train, 3000, 7);
        INDArray testPixels = ImageSource.of(test).range(0, test.size(), RandomSource.of(0));
        INDArray testFeatures = classifier.features(testPixels);
        INDArray heldOut = ImageSource.of(train).range(train.size() - 10_000, 10_000, RandomSource.of(0));
        INDArray heldOutFeatures = classifier.features(heldOut);
        double floor = FrechetDistance.between(heldOutFeatures, testFeatures);
        // the floor at the samples' count: a small set's Frechet distance is biased upwards
        double floorAtSize = FrechetDistance.between(heldOutFeatures.get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.max(2, Math.min(samples, 10_000))),
                org.nd4j.linalg.indexing.NDArrayIndex.all()), testFeatures);
        double noise = FrechetDistance.between(classifier.features(
                RandomSource.of(3).uniform(org.nd4j.linalg.api.buffer.DataType.FLOAT, 0, 2000, 784)), testFeatures);
        System.out.printf("feature classifier: test accuracy %.4f%n", classifier.accuracy(test));

        long s0 = System.nanoTime();
        INDArray[] chunks = new INDArray[(samples + 249) / 250];
        int evaluations = 0;
        for (int c = 0; c < chunks.length; c++) {
            int n = Math.min(250, samples - 250 * c);
            SamplingResult r = PredictorCorrectorSampler.builder().predictor(Predictor.eulerMaruyama())
                    .corrector(Corrector.none()).steps(samplingSteps).build()
                    .sample(model.sde(), model.score(), n, RandomSource.of(11).stream(c));
            chunks[c] = model.toData(r.samples());
            evaluations = r.scoreEvaluations();
        }
        double samplingSeconds = (System.nanoTime() - s0) / 1e9;
        INDArray pixels = Nd4j.concat(0, chunks);
        ImageGrid.write(pixels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(64, samples))), 2,
                Path.of("target/fashion-experiment.png"));
        double fd = FrechetDistance.between(classifier.features(pixels), testFeatures);
        int[] histogram = classifier.histogram(pixels);
        System.out.printf("B8: %d samples, Euler-Maruyama %d steps (%d NFE), %.0f s: Frechet distance in classifier "
                + "features %.3f (floor %.3f with 10,000 held-out images, %.3f with %d; uniform noise %.3f); class "
                + "histogram %s%n", samples, samplingSteps, evaluations, samplingSeconds, fd, floor, floorAtSize,
                Math.min(samples, 10_000), noise, Arrays.toString(histogram));

        Likelihood likelihood = Likelihood.builder().solver(new DormandPrince45(1e-5, 1e-5))
                .divergence(new HutchinsonDivergence(HutchinsonDivergence.Probe.RADEMACHER, 1)).build();
        double[] bpd = new double[bpdImages];
        long b0 = System.nanoTime();
        int nfe = 0;
        INDArray levels = ImageSource.of(test).dequantized(true).range(0, bpdImages, RandomSource.of(5));
        for (int from = 0; from < bpdImages; from += 100) {
            int n = Math.min(100, bpdImages - from);
            INDArray x = levels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + n))
                    .reshape(n, 1, 28, 28);
            Likelihood.Result r = likelihood.logLikelihood(model.sde(), model.score(), model.toModel(x),
                    RandomSource.of(6).stream(from));
            nfe += r.scoreEvaluations();
            for (int i = 0; i < n; i++) {
                bpd[from + i] = BitsPerDimension.fromPixelLogDensity(r.logLikelihood()[i]
                        + model.scaler().logJacobian(), 784);
            }
        }
        double seconds = (System.nanoTime() - b0) / 1e9;
        double mean = Arrays.stream(bpd).average().orElse(Double.NaN);
        double sd = Math.sqrt(Arrays.stream(bpd).map(b -> (b - mean) * (b - mean)).sum() / Math.max(1, bpdImages - 1));
        System.out.printf("B9: %.4f bits per dimension, standard error %.4f (%d test images, dequantised; RK45 "
                + "1e-5, Hutchinson; %.0f NFE per batch of 100, %.1f s per 100 images)%n", mean,
                sd / Math.sqrt(bpdImages), bpdImages, nfe / Math.ceil(bpdImages / 100.0), seconds * 100 / bpdImages);
        System.out.printf("total %.0f s%n", (System.nanoTime() - t0) / 1e9);

        assertTrue(Arrays.stream(bpd).allMatch(b -> Double.isFinite(b) && b < 8), "bpd below a uniform model's 8");
        assertTrue(fd < noise, "samples nearer the test set than noise: " + fd + " vs " + noise);
    }

    private static TrainedModel trained(int steps) {
        Path file = Path.of("target/fashion-experiment-model.zip");
        FashionMnistExample.run(new FashionMnistExample.Options(null, steps, file, 16, 100, 1,
                Path.of("target/fashion-experiment-training.png")));
        return TrainedModel.load(file);
    }
}
