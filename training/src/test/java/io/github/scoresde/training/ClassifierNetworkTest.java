package io.github.scoresde.training;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J noisy classifier on eight-gaussians with component labels. Stated bounds: after 600
 * steps (batch 256), at least 95% accuracy on draws perturbed to t = 0.05, and its input gradient
 * matches central finite differences of log p_t(y | x) within 2% of its norm.
 */
class ClassifierNetworkTest {

    @Test
    void learnsTheComponentsAndItsGradientMatchesFiniteDifferences() {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Sde sde = new VpSde();
        ClassifierNetwork c = ClassifierNetwork.create(2, 8, 64, 2, 1);
        c.train(sde, io.github.scoresde.training.data.LabelledSource.mixtureComponents(mix), 600, 256, 1e-3, 2);
        GaussianMixture.Draw test = mix.sampleLabelled(1000, RandomSource.of(9), 0);
        double t = 0.05;
        INDArray tt = Nd4j.valueArrayOf(new long[] {1000}, t, DataType.FLOAT);
        INDArray z = RandomSource.of(10).gaussian(DataType.FLOAT, 0, 1000, 2);
        INDArray xt = test.x().mul(sde.meanCoefficient(t)).addi(z.mul(sde.marginalStd(t)));
        INDArray p = c.probabilities(xt, tt);
        int correct = 0;
        for (int i = 0; i < 1000; i++) {
            correct += p.getRow(i).argMax().getInt(0) == test.labels()[i] ? 1 : 0;
        }
        assertTrue(correct >= 950, "accuracy " + correct / 1000.0);
        // gradient of log p(y | x) against finite differences, at a few points between modes
        INDArray x = Nd4j.createFromArray(new float[][] {{1.2f, 0.8f}, {-0.3f, 1.5f}, {0.5f, -0.5f}});
        INDArray t3 = Nd4j.createFromArray(0.3f, 0.3f, 0.3f);
        int[] y = {1, 2, 7};
        INDArray g = c.logProbabilityGradient(x, t3, y);
        INDArray fd = Nd4j.create(DataType.FLOAT, 3, 2);
        float h = 1e-2f;
        for (int j = 0; j < 2; j++) {
            INDArray xp = x.dup();
            INDArray xm = x.dup();
            xp.getColumn(j).addi(h);
            xm.getColumn(j).subi(h);
            INDArray pp = c.probabilities(xp, t3);
            INDArray pm = c.probabilities(xm, t3);
            for (int b = 0; b < 3; b++) {
                fd.putScalar(b, j, (Math.log(pp.getDouble(b, y[b])) - Math.log(pm.getDouble(b, y[b]))) / (2 * h));
            }
        }
        double scale = fd.norm2Number().doubleValue() / Math.sqrt(6);
        assertClose(fd, g, 0.02, 0.02 * scale);
        assertRejects(() -> c.logProbabilityGradient(x, t3, new int[] {0, 8, 1}), "labels must lie in [0, 8)", "8");
        assertRejects(() -> ClassifierNetwork.create(2, 1, 8, 1, 0), "classes must be at least 2");
    }

    /**
     * A classifier of image-shaped samples reads them flattened: with the same seed its
     * probabilities and input gradients equal the flat classifier's on the flattened values, and
     * the gradient comes back in the images' shape.
     */
    @Test
    void imageShapedSamplesAreReadFlattened() {
        ClassifierNetwork flat = ClassifierNetwork.create(12, 3, 16, 1, 4);
        ClassifierNetwork image = ClassifierNetwork.create(new long[] {3, 2, 2}, 3, 16, 1, 4);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {3, 2, 2}, image.sampleShape());
        INDArray x = RandomSource.of(3).gaussian(DataType.FLOAT, 0, 5, 3, 2, 2);
        INDArray t = Nd4j.valueArrayOf(new long[] {5}, 0.4, DataType.FLOAT);
        int[] y = {0, 1, 2, 1, 0};
        assertClose(flat.probabilities(x.reshape(5, 12), t), image.probabilities(x, t), 1e-6, 1e-7);
        INDArray g = image.logProbabilityGradient(x, t, y);
        org.junit.jupiter.api.Assertions.assertArrayEquals(x.shape(), g.shape());
        assertClose(flat.logProbabilityGradient(x.reshape(5, 12), t, y), g.reshape(5, 12), 1e-6, 1e-7);
        assertRejects(() -> image.probabilities(x.reshape(5, 12), t), "x");
    }
}
