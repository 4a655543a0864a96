package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.examples.FashionMnistExample;
import io.github.scoresde.samplers.DdimSampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.guidance.ClassifierFreeGuidance;
import io.github.scoresde.samplers.guidance.Inpainting;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.images.FeatureClassifier;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageGrid;
import io.github.scoresde.training.images.ImageMasks;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Controllable generation on Fashion-MNIST (docs/controllable.md), with DDIM (eta = 1, 50 steps):
 *
 * <ul>
 *   <li>Inpainting of the first {@code -Dcontrol.inpaint=1000} test images with the centre box
 *       (14 x 14) hidden, by the shipped model: mean squared error of the completed pixels against
 *       the truth, beside that of filling them with the training mean. Asserts the completions
 *       beat the mean fill. Grid: {@code target/inpainting.png} (truth, masked, completion).</li>
 *   <li>Class-conditional samples of the class-conditional model {@code -Dcontrol.cfg-model}
 *       (default the shipped {@code models/fashion-mnist-cfg.zip}), {@code -Dcontrol.per-class=100}
 *       per class, with classifier-free guidance w = 0, 1, 3: the rate at which the project's
 *       {@link FeatureClassifier} assigns the requested class. Asserts the rate at w = 3 is at least
 *       the rate at w = 0 and above 0.5 (chance: 0.1). Grids: {@code target/guidance-w*.png}.</li>
 * </ul>
 *
 * <p>About 15 minutes on 2 cores: {@code mvn -B test -Pslow -Dtest=ControllableImageExperiment
 * -Dsurefire.failIfNoSpecifiedTests=false}. Skips without Fashion-MNIST.
 */
@Tag("slow")
class ControllableImageExperiment {

    @Test
    void inpaintingAndGuidanceOnFashionMnist() {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnistExample.FASHION_MNIST),
                "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        int inpaint = Integer.getInteger("control.inpaint", 1000);
        int perClass = Integer.getInteger("control.per-class", 100);
        ImageSet train = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TRAIN);
        ImageSet test = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TEST);
        DdimSampler.Builder ddim = DdimSampler.builder().steps(50).eta(1).chunkSize(250);

        // inpainting
        TrainedModel model = TrainedModel.load(Path.of("../" + FashionMnistExample.SHIPPED));
        INDArray truth = ImageSource.of(test).range(0, inpaint, RandomSource.of(0)).reshape(inpaint, 1, 28, 28);
        INDArray mask = ImageMasks.hideCentre(28, 28);
        long t0 = System.nanoTime();
        SamplingResult r = ddim.conditioning(Inpainting.of(mask, model.toModel(truth))).build()
                .sample(model.sde(), model.score(), inpaint, RandomSource.of(1));
        INDArray completed = model.toData(r.samples());
        INDArray hidden = mask.rsub(1).reshape(1, 1, 28, 28).repeat(0, inpaint);
        double count = hidden.sumNumber().doubleValue();
        INDArray diff = completed.sub(truth).muli(hidden);
        double error = diff.muli(diff).sumNumber().doubleValue() / count;
        INDArray mean = ImageSource.of(train).range(0, 10_000, RandomSource.of(0)).mean(0).reshape(1, 1, 28, 28);
        INDArray fill = truth.sub(mean.repeat(0, inpaint)).muli(hidden);
        double baseline = fill.muli(fill).sumNumber().doubleValue() / count;
        System.out.printf("%ninpainting %d test images, centre 14 x 14 hidden, DDIM eta 1 (%d NFE, %.0f s): mean "
                + "squared error of the hidden pixels %.4f, filling them with the training mean %.4f%n", inpaint,
                r.scoreEvaluations(), (System.nanoTime() - t0) / 1e9, error, baseline);
        INDArray triples = Nd4j.create(completed.dataType(), 24, 1, 28, 28);
        for (int i = 0; i < 8; i++) {
            INDArray t = truth.get(NDArrayIndex.point(i));
            triples.get(NDArrayIndex.point(3L * i)).assign(t);
            triples.get(NDArrayIndex.point(3L * i + 1)).assign(t.mul(mask.reshape(1, 28, 28)).addi(mask.rsub(1)
                    .reshape(1, 28, 28).muli(0.5)));
            triples.get(NDArrayIndex.point(3L * i + 2)).assign(completed.get(NDArrayIndex.point(i)));
        }
        ImageGrid.write(triples, 2, 12, Path.of("target/inpainting.png"));
        assertTrue(error < baseline, "completions beat the mean fill: " + error + " vs " + baseline);

        // classifier-free guidance
        Path cfg = Path.of(System.getProperty("control.cfg-model", "../models/fashion-mnist-cfg.zip"));
        Assumptions.assumeTrue(Files.exists(cfg), "no class-conditional model at " + cfg);
        TrainedModel conditional = TrainedModel.load(cfg);
        FeatureClassifier classifier = FeatureClassifier.train(train, 3000, 7);
        System.out.printf("feature classifier: test accuracy %.4f%n", classifier.accuracy(test));
        int n = 10 * perClass;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
        }
        double[] rates = new double[3];
        double[] weights = {0, 1, 3};
        for (int w = 0; w < 3; w++) {
            long s0 = System.nanoTime();
            SamplingResult g = ddim.conditioning(ClassifierFreeGuidance.perSample(labels, weights[w])).build()
                    .sample(conditional.sde(), conditional.score(), n, RandomSource.of(2));
            INDArray pixels = conditional.toData(g.samples());
            int[] predicted = classifier.predict(pixels);
            int right = 0;
            for (int i = 0; i < n; i++) {
                right += predicted[i] == labels[i] ? 1 : 0;
            }
            rates[w] = right / (double) n;
            ImageGrid.write(pixels.get(NDArrayIndex.interval(0, 40)), 2, 10,
                    Path.of("target/guidance-w" + (int) weights[w] + ".png"));
            System.out.printf("classifier-free guidance w = %.0f: %d samples, %.1f%% assigned their class (%.0f s)%n",
                    weights[w], n, 100 * rates[w], (System.nanoTime() - s0) / 1e9);
        }
        assertTrue(rates[2] >= rates[0] && rates[2] > 0.5, "guidance raises the class rate: " + java.util.Arrays
                .toString(rates));
    }
}
