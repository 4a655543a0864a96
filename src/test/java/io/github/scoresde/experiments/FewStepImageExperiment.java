package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.examples.FashionMnistExample;
import io.github.scoresde.samplers.Corrector;
import io.github.scoresde.samplers.DdimSampler;
import io.github.scoresde.samplers.DpmSolverSampler;
import io.github.scoresde.samplers.EdmHeunSampler;
import io.github.scoresde.samplers.Predictor;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.images.FeatureClassifier;
import io.github.scoresde.training.images.FrechetDistance;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageGrid;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The few-step samplers on the shipped Fashion-MNIST U-Net (docs/samplers.md): 16 samples of each
 * sampler from the same prior draws (seed 21) side by side in {@code target/few-step-fashion.png}
 * (DPM-Solver++(2M), DDIM with eta = 1 and EDM Heun with churn 20 at about 10, 20 and 50
 * evaluations, beside the adaptive probability-flow solve, Euler-Maruyama at 500 steps and
 * predictor-corrector at 1,000), and the Frechet distance in the features of
 * {@link FeatureClassifier} of {@code -Dfewstep.fd-samples} samples (default 1,000) of each
 * fixed-step sampler but the predictor-corrector one, against the test set. Asserts that every
 * sampler with 19 or more evaluations is nearer the test set than uniform noise. About 20 minutes on 2 cores:
 * {@code mvn -B test -Pslow -Dtest=FewStepImageExperiment -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class FewStepImageExperiment {

    @Test
    void fewStepSamplersOnTheShippedModel() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(FashionMnistExample.FASHION_MNIST),
                "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        int fdSamples = Integer.getInteger("fewstep.fd-samples", 1000);
        TrainedModel model = TrainedModel.load(Path.of("../" + FashionMnistExample.SHIPPED));
        Map<String, Sampler> samplers = new LinkedHashMap<>();
        for (int n : new int[] {10, 20, 50}) {
            samplers.put("DPM-Solver++(2M), " + n, DpmSolverSampler.secondOrder(n));
        }
        samplers.put("probability flow, RK45 1e-5", ProbabilityFlowSampler.create());
        for (int n : new int[] {10, 20, 50}) {
            samplers.put("DDIM eta 1, " + n, DdimSampler.of(n, 1));
        }
        samplers.put("Euler-Maruyama, 500", PredictorCorrectorSampler.builder().predictor(Predictor.eulerMaruyama())
                .corrector(Corrector.none()).steps(500).build());
        for (int n : new int[] {5, 10, 25}) {
            samplers.put("EDM Heun churn 20, " + n, EdmHeunSampler.builder().steps(n).churn(20).build());
        }
        samplers.put("PC, 1000 steps", PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16));

        List<String> titles = new ArrayList<>();
        List<BufferedImage> panels = new ArrayList<>();
        for (Map.Entry<String, Sampler> e : samplers.entrySet()) {
            SamplingResult r = e.getValue().sample(model.sde(), model.score(), 16, RandomSource.of(21));
            titles.add(e.getKey().replaceAll(", [^,]*$", "") + ": " + r.scoreEvaluations() + " NFE");
            panels.add(ImageGrid.render(model.toData(r.samples()), 2));
            System.out.printf("grid %-24s %5d NFE %7.1f s%n", e.getKey(), r.scoreEvaluations(),
                    r.elapsed().toMillis() / 1000.0);
        }
        Path png = Path.of("target/few-step-fashion.png");
        ImageIO.write(side(titles, panels), "png", png.toFile());
        System.out.println("wrote " + png.toAbsolutePath());

        ImageSet train = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TRAIN);
        ImageSet test = IdxFiles.readFolder(FashionMnistExample.FASHION_MNIST, IdxFiles.Split.TEST);
        FeatureClassifier classifier = FeatureClassifier.train(train, 3000, 7);
        INDArray testFeatures = classifier.features(ImageSource.of(test).range(0, test.size(), RandomSource.of(0)));
        INDArray heldOut = ImageSource.of(train).range(train.size() - fdSamples, fdSamples, RandomSource.of(0));
        double floor = FrechetDistance.between(classifier.features(heldOut), testFeatures);
        double noise = FrechetDistance.between(classifier.features(RandomSource.of(3).uniform(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 0, fdSamples, 784)), testFeatures);
        System.out.printf("Frechet distance of %d samples against the test set: floor (held-out training images) "
                + "%.2f, uniform noise %.1f%n", fdSamples, floor, noise);
        boolean ok = true;
        for (Map.Entry<String, Sampler> e : samplers.entrySet()) {
            if (e.getKey().startsWith("PC") || e.getKey().startsWith("probability flow")) {
                continue;
            }
            long t0 = System.nanoTime();
            List<INDArray> chunks = new ArrayList<>();
            int nfe = 0;
            for (int first = 0; first < fdSamples; first += 250) {
                int n = Math.min(250, fdSamples - first);
                SamplingResult r = e.getValue().sample(model.sde(), model.score(), n, RandomSource.of(31).stream(first));
                chunks.add(model.toData(r.samples()));
                nfe = r.scoreEvaluations();
            }
            INDArray pixels = Nd4j.concat(0, chunks.toArray(new INDArray[0]));
            double fd = FrechetDistance.between(classifier.features(pixels), testFeatures);
            ok &= fd < noise || nfe < 19;
            System.out.printf("FD %-24s %5d NFE  %7.2f   (%.0f s)%n", e.getKey(), nfe, fd, (System.nanoTime() - t0) / 1e9);
        }
        assertTrue(ok, "every sampler with 19 or more evaluations is nearer the test set than noise");
    }

    /** The panels in rows of four, each under its title. */
    private static BufferedImage side(List<String> titles, List<BufferedImage> panels) {
        int top = 18;
        int gap = 8;
        int perRow = 4;
        int cellW = 0;
        int cellH = 0;
        for (BufferedImage p : panels) {
            cellW = Math.max(cellW, p.getWidth());
            cellH = Math.max(cellH, p.getHeight());
        }
        int rows = (panels.size() + perRow - 1) / perRow;
        BufferedImage out = new BufferedImage(gap + perRow * (cellW + gap), gap + rows * (cellH + top + gap),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(12f));
        for (int i = 0; i < panels.size(); i++) {
            int x = gap + (i % perRow) * (cellW + gap);
            int y = gap + (i / perRow) * (cellH + top + gap);
            g.drawString(titles.get(i), x, y + top - 5);
            g.drawImage(panels.get(i), x, y + top, null);
        }
        g.dispose();
        return out;
    }
}
