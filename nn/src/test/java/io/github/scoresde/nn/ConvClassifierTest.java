package io.github.scoresde.nn;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The convolutional noise-conditional classifier: its input gradient of log p_t(y | x) against
 * central finite differences of its own probabilities (float32: 3% of the gradient's scale), that
 * it learns a separable task (a bright row whose position is the class, under noise), and its
 * argument checks.
 */
class ConvClassifierTest {

    private static INDArray bars(int n, int[] labels, RandomSource rng) {
        INDArray x = rng.gaussian(DataType.FLOAT, 0, n, 1, 6, 6).muli(0.3);
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int c = 0; c < 6; c++) {
                x.putScalar(new long[] {i, 0, 2 * labels[i], c}, x.getDouble(i, 0, 2 * labels[i], c) + 1.5);
            }
        }
        return x;
    }

    @Test
    void learnsASeparableTaskAndItsGradientMatchesFiniteDifferences() {
        ConvClassifier c = ConvClassifier.create(new long[] {1, 6, 6}, 3, 8, 3e-3, 1);
        assertArrayEquals(new long[] {1, 6, 6}, c.sampleShape());
        int[] labels = new int[48];
        INDArray t = Nd4j.valueArrayOf(new long[] {48}, 0.1, DataType.FLOAT);
        double first = 0;
        double last = 0;
        for (int k = 0; k < 150; k++) {
            double loss = c.fit(bars(48, labels, RandomSource.of(100 + k)), t, labels);
            first = k == 0 ? loss : first;
            last = loss;
        }
        INDArray test = bars(48, labels, RandomSource.of(7));
        INDArray p = c.probabilities(test, t);
        int right = 0;
        for (int i = 0; i < 48; i++) {
            right += p.getRow(i).argMax().getInt(0) == labels[i] ? 1 : 0;
        }
        assertTrue(right >= 44 && last < first / 3, right + " of 48 right; loss " + first + " -> " + last);

        INDArray x = test.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)).dup();
        INDArray t3 = Nd4j.valueArrayOf(new long[] {3}, 0.3, DataType.FLOAT);
        int[] y = {2, 0, 1};
        INDArray g = c.logProbabilityGradient(x, t3, y);
        assertArrayEquals(x.shape(), g.shape());
        INDArray fd = Nd4j.create(DataType.FLOAT, x.shape());
        float h = 1e-2f;
        for (int j = 0; j < 36; j++) {
            INDArray xp = x.dup();
            INDArray xm = x.dup();
            for (int b = 0; b < 3; b++) {
                xp.putScalar(new long[] {b, 0, j / 6, j % 6}, x.getDouble(b, 0, j / 6, j % 6) + h);
                xm.putScalar(new long[] {b, 0, j / 6, j % 6}, x.getDouble(b, 0, j / 6, j % 6) - h);
            }
            INDArray pp = c.probabilities(xp, t3);
            INDArray pm = c.probabilities(xm, t3);
            for (int b = 0; b < 3; b++) {
                fd.putScalar(new long[] {b, 0, j / 6, j % 6},
                        (Math.log(pp.getDouble(b, y[b])) - Math.log(pm.getDouble(b, y[b]))) / (2 * h));
            }
        }
        double scale = fd.norm2Number().doubleValue() / Math.sqrt(fd.length());
        assertClose(fd, g, 0.03, 0.03 * scale);
        assertRejects(() -> c.logProbabilityGradient(x, t3, new int[] {0, 3, 1}), "labels must lie in [0, 3)");
        assertRejects(() -> ConvClassifier.create(new long[] {36}, 3, 8, 1e-3, 0), "[C, H, W]");
        assertRejects(() -> ConvClassifier.create(new long[] {1, 6, 6}, 1, 8, 1e-3, 0), "classes must be at least 2");
    }
}
