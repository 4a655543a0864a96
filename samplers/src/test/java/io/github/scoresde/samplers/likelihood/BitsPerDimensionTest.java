package io.github.scoresde.samplers.likelihood;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bits per dimension on 8-bit data drawn from a known density: a 2-D Gaussian mixture in the
 * model space y in [-1, 1]^2 with its exact score. Stated tolerance: the mean bpd of 300 examples
 * (2 dequantisations each) is within 0.01 bits of the exact discrete log-likelihood, computed by
 * 4 x 4 Gauss-Legendre quadrature of the density over each example's cube.
 */
class BitsPerDimensionTest {
    private static final GaussianMixture MODEL = GaussianMixture.equalWeights(
            new double[][] {{-0.4, -0.3}, {0.35, 0.4}, {0.3, -0.45}}, 0.15);

    @Test
    void offsetIsTheJacobianAndTheEightBitsOfTheCube() {
        double lp = -1.234;
        assertEquals(-lp / (2 * Math.log(2)) - 1 + 8, BitsPerDimension.fromModelLogDensity(lp, 2), 1e-12);
        assertEquals(5 * Math.log(2), BitsPerDimension.logJacobian(5), 1e-15);
        INDArray levels = Nd4j.createFromArray(new double[][] {{0, 255}, {128, 7}});
        INDArray x = BitsPerDimension.dequantize(levels, RandomSource.of(1), 0);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                double k = levels.getDouble(i, j);
                assertTrue(x.getDouble(i, j) >= k / 256 && x.getDouble(i, j) < (k + 1) / 256);
            }
        }
        assertEquals(-1.0, BitsPerDimension.toModelSpace(Nd4j.zeros(1, 1)).getDouble(0), 0);
    }

    @Test
    void bpdMatchesTheExactDiscreteLogLikelihood() {
        int n = 300;
        INDArray y = MODEL.sample(n, RandomSource.of(8)).castTo(DataType.DOUBLE);
        double[] yv = io.github.scoresde.core.Checks.flat(y);
        double[] k = new double[yv.length];
        for (int i = 0; i < yv.length; i++) {
            double x01 = Math.min(Math.max((yv[i] + 1) / 2, 0), 0.999999);
            k[i] = Math.floor(256 * x01);
        }
        INDArray levels = Nd4j.createFromArray(k).reshape(n, 2);
        Sde sde = new VpSde();
        double[] bpd = BitsPerDimension.estimate(Likelihood.create(), sde, new ExactMixtureScore(MODEL, sde), levels, 2,
                RandomSource.of(3));
        double mean = 0;
        double exact = 0;
        double[] nodes = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
        double[] weights = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
        for (int b = 0; b < n; b++) {
            mean += bpd[b] / n;
            // P(k) = integral of p_x over the cube [k/256, (k+1)/256)^2, p_x(x) = 4 p_y(2x - 1)
            double mass = 0;
            double[][] pts = new double[16][];
            double[] w = new double[16];
            int q = 0;
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    double x0 = (k[2 * b] + (nodes[i] + 1) / 2) / 256;
                    double x1 = (k[2 * b + 1] + (nodes[j] + 1) / 2) / 256;
                    pts[q] = new double[] {2 * x0 - 1, 2 * x1 - 1};
                    w[q++] = weights[i] * weights[j] / 4 / (256.0 * 256.0);
                }
            }
            double[] lp = MODEL.logDensity(Nd4j.createFromArray(pts));
            for (int i = 0; i < 16; i++) {
                mass += w[i] * 4 * Math.exp(lp[i]);
            }
            exact += -Math.log(mass) / (2 * Math.log(2)) / n;
        }
        assertEquals(exact, mean, 0.01, "bpd " + mean + " vs exact discrete " + exact);
    }

    @Test
    void rejectsLevelsOutsideEightBits() {
        assertRejects(() -> BitsPerDimension.dequantize(Nd4j.createFromArray(new double[][] {{0, 256}}),
                RandomSource.of(0), 0), "levels must be integers in [0, 255]", "256.0");
        assertRejects(() -> BitsPerDimension.dequantize(Nd4j.createFromArray(new double[][] {{0.5, 2}}),
                RandomSource.of(0), 0), "0.5 at flat index 0");
    }
}
