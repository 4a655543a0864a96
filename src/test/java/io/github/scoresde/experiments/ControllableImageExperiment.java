package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.examples.FashionMnistExample;
import io.github.scoresde.samplers.DdimSampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.guidance.ClassifierFreeGuidance;
import io.github.scoresde.samplers.guidance.ClassifierGuidance;
import io.github.scoresde.nn.ConvClassifier;
import io.github.scoresde.training.ClassifierNetwork;
import io.github.scoresde.training.ClassifierTraining;
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
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Controllable generation on Fashion-MNIST (docs/controllable.md), with DDIM (eta = 1, 50 steps):
 *
 * <ul>
 *   <li>Inpainting of the first {@code -Dcontrol.inpaint=1000} test images with the centre box
 *       (14 x 14) hidden, by the shipped model: mean squared error of the completed pixels against
 *       the truth, beside that of filling them with the training mean. Asserts the completions
 *       beat the mean fill ({@code -Dcontrol.inpaint=0} skips it). Grid: {@code target/inpainting.png}
 *       (truth, masked, completion).</li>
 *   <li>Classifier guidance of the shipped model with two noise-conditional classifiers trained
 *       here for {@code -Dcontrol.classifier-steps=3000} steps ({@link ConvClassifier}, a small
 *       convolutional net, and {@link ClassifierNetwork}, an MLP, each on x(t) and t), w = 1 and 3,
 *       beside unguided samples: {@code -Dcontrol.per-class=100} samples per class, and the rate at
 *       which the project's {@link FeatureClassifier} assigns the requested class. Asserts at w = 3
 *       more than twice the unguided rate with the conv net and above 0.5 with the MLP (chance:
 *       0.1).</li>
 *   <li>Class-conditional samples of the class-conditional model {@code -Dcontrol.cfg-model}
 *       (default the shipped {@code models/fashion-mnist-cfg.zip}) with classifier-free guidance
 *       w = 0, 1, 3, the same rates. Asserts the rate at w = 3 is at least the rate at w = 0 and
 *       above 0.5. Grids of the first 40 samples of each in {@code target/}.</li>
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
        int classifierSteps = Integer.getInteger("control.classifier-steps", 3000);
        ImageSet train = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TRAIN);
        ImageSet test = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TEST);
        DdimSampler.Builder ddim = DdimSampler.builder().steps(50).eta(1).chunkSize(250);

        TrainedModel model = TrainedModel.load(Path.of("../" + FashionMnistExample.SHIPPED));
        if (inpaint > 0) {
            inpainting(model, train, test, inpaint, ddim);
        }
        FeatureClassifier classifier = FeatureClassifier.train(train, 3000, 7);
        System.out.printf("feature classifier: test accuracy %.4f%n", classifier.accuracy(test));
        int n = 10 * perClass;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
        }
        double[] weights = {0, 1, 3};

        // classifier guidance: the shipped (unconditional) model and noise-conditional classifiers
        double unguided = classRate(ddim.conditioning(io.github.scoresde.samplers.Conditioning.none()).build(), model,
                n, labels, classifier, "no guidance (unconditional)", 0);
        long c0 = System.nanoTime();
        ConvClassifier conv = ConvClassifier.create(new long[] {1, 28, 28}, 10, 32, 1e-3, 5);
        double[] losses = ClassifierTraining.train(conv, model.sde(), ImageSource.of(train).labelled(),
                classifierSteps, 128, model.sde().defaultEndTime(), 6);
        System.out.printf("noise-conditional classifier (%s): %d steps, final loss %.3f (%.0f s)%n", conv,
                classifierSteps, losses[losses.length - 1], (System.nanoTime() - c0) / 1e9);
        long m0 = System.nanoTime();
        ClassifierNetwork mlp = ClassifierNetwork.create(new long[] {1, 28, 28}, 10, 512, 2, 5);
        double[] mlpLosses = mlp.train(model.sde(), ImageSource.of(train).labelled(), classifierSteps, 128,
                model.sde().defaultEndTime(), 6);
        System.out.printf("noise-conditional classifier (MLP 2 x 512 on x(t) and t): %d steps, final loss %.3f "
                + "(%.0f s)%n", classifierSteps, mlpLosses[mlpLosses.length - 1], (System.nanoTime() - m0) / 1e9);
        double[] convRates = new double[3];
        double[] mlpRates = new double[3];
        for (int w = 1; w < 3; w++) {
            convRates[w] = classRate(ddim.conditioning(ClassifierGuidance.perSample(conv, labels, weights[w])).build(),
                    model, n, labels, classifier, "conv classifier guidance", weights[w]);
            mlpRates[w] = classRate(ddim.conditioning(ClassifierGuidance.perSample(mlp, labels, weights[w])).build(),
                    model, n, labels, classifier, "mlp classifier guidance", weights[w]);
        }
        assertTrue(convRates[2] > 2 * unguided && mlpRates[2] > 0.5, "classifier guidance at w = 3: conv "
                + convRates[2] + ", MLP " + mlpRates[2] + ", unguided " + unguided);

        // classifier-free guidance
        Path cfg = Path.of(System.getProperty("control.cfg-model", "../models/fashion-mnist-cfg.zip"));
        Assumptions.assumeTrue(Files.exists(cfg), "no class-conditional model at " + cfg);
        TrainedModel conditional = TrainedModel.load(cfg);
        double[] rates = new double[3];
        for (int w = 0; w < 3; w++) {
            rates[w] = classRate(ddim.conditioning(ClassifierFreeGuidance.perSample(labels, weights[w])).build(),
                    conditional, n, labels, classifier, "classifier-free guidance", weights[w]);
        }
        assertTrue(rates[2] >= rates[0] && rates[2] > 0.5, "guidance raises the class rate: " + java.util.Arrays
                .toString(rates));
    }

    private static void inpainting(TrainedModel model, ImageSet train, ImageSet test, int inpaint,
            DdimSampler.Builder ddim) {
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
        INDArray first = truth.get(NDArrayIndex.interval(0, 8));
        INDArray known = mask.reshape(1, 1, 28, 28).repeat(0, 8);
        INDArray masked = first.mul(known).addi(known.rsub(1).muli(0.5));
        INDArray triples = ImageGrid.interleave(first, masked, completed.get(NDArrayIndex.interval(0, 8)));
        ImageGrid.write(triples, 2, 12, Path.of("target/inpainting.png"));
        assertTrue(error < baseline, "completions beat the mean fill: " + error + " vs " + baseline);

    }

    private static double classRate(io.github.scoresde.samplers.Sampler sampler, TrainedModel model, int n,
            int[] labels, FeatureClassifier classifier, String what, double w) {
        long s0 = System.nanoTime();
        SamplingResult g = sampler.sample(model.sde(), model.score(), n, RandomSource.of(2));
        INDArray pixels = model.toData(g.samples());
        int[] predicted = classifier.predict(pixels);
        int right = 0;
        for (int i = 0; i < n; i++) {
            right += predicted[i] == labels[i] ? 1 : 0;
        }
        String name = what.replaceAll("[^a-z]+", "-") + "-w" + (int) w;
        ImageGrid.write(pixels.get(NDArrayIndex.interval(0, Math.min(n, 40))), 2, 10, Path.of("target/" + name + ".png"));
        System.out.printf("%s, w = %.0f: %d samples, %.1f%% assigned their class (%.0f s)%n", what, w, n,
                100.0 * right / n, (System.nanoTime() - s0) / 1e9);
        return right / (double) n;
    }
}
