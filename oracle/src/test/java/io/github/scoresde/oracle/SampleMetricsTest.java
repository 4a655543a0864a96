package io.github.scoresde.oracle;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SampleMetricsTest {

    @Test
    void slicedWassersteinOfAShiftIsTheMeanProjectedShift() {
        INDArray a = RandomSource.of(1).gaussian(DataType.DOUBLE, 0, 3000, 2);
        assertEquals(0, SampleMetrics.slicedWasserstein1(a, a), 1e-12);
        INDArray shifted = a.add(Nd4j.createFromArray(new double[][] {{0.5, 0}}).repeat(0, 3000));
        // a shift c along e1 moves every projection by |c cos(theta)|: mean 2 |c| / pi over directions
        double sw = SampleMetrics.slicedWasserstein1(a, shifted, 4096, 3);
        assertEquals(2 * 0.5 / Math.PI, sw, 0.01);
        // scaling the spread by 2 moves projections by |z . v| on average: sqrt(2 / pi) for unit Gaussians
        assertEquals(Math.sqrt(2 / Math.PI), SampleMetrics.slicedWasserstein1(a, a.mul(2), 4096, 3), 0.03);
    }

    @Test
    void modeWeightErrorCountsNearestCentres() {
        GaussianMixture eight = GaussianMixture.eightGaussians();
        INDArray onlyFirst = Nd4j.createFromArray(new double[][] {{1.9, 0.1}, {2.2, -0.1}});
        assertEquals(1 - 1.0 / 8, SampleMetrics.modeWeightError(onlyFirst, eight), 1e-12);
        INDArray balanced = eight.means(DataType.DOUBLE).mul(1.05);
        assertEquals(0, SampleMetrics.modeWeightError(balanced, eight), 1e-12);
        double[] f = SampleMetrics.modeFractions(onlyFirst, eight.means(DataType.FLOAT));
        assertEquals(1.0, f[0]);
    }

    @Test
    void mmdMatchesTheClosedFormForShiftedGaussians() {
        int n = 2000;
        double h = 1;
        INDArray a = RandomSource.of(4).gaussian(DataType.DOUBLE, 0, n, 2);
        INDArray b = RandomSource.of(5).gaussian(DataType.DOUBLE, 0, n, 2).addi(1.0);
        // a ~ N(0, I), b ~ N(mu, I) in 2-D with |mu|^2 = 2: MMD^2 = 2 c (1 - exp(-|mu|^2 / (2 (h^2 + 2))))
        double c = h * h / (h * h + 2);
        double expected = 2 * c * (1 - Math.exp(-2 / (2 * (h * h + 2))));
        assertEquals(expected, SampleMetrics.mmdSquared(a, b, h), 0.02);
        INDArray a2 = RandomSource.of(6).gaussian(DataType.DOUBLE, 0, n, 2);
        assertTrue(Math.abs(SampleMetrics.mmdSquared(a, a2, h)) < 0.005);
    }

    @Test
    void rejectsBadInput() {
        INDArray a = Nd4j.zeros(10, 2);
        assertRejects(() -> SampleMetrics.slicedWasserstein1(a, Nd4j.zeros(9, 2)), "a and b must have the same shape",
                "[10, 2]", "[9, 2]");
        assertRejects(() -> SampleMetrics.slicedWasserstein1(a, a, 0, 0), "directions must be positive");
        assertRejects(() -> SampleMetrics.slicedWasserstein1(Nd4j.zeros(10), a), "a must have shape [n, d]");
        assertRejects(() -> SampleMetrics.modeWeightError(Nd4j.zeros(4, 3), GaussianMixture.eightGaussians()),
                "centres must have shape [K, 3]");
        assertRejects(() -> SampleMetrics.mmdSquared(a, a, -1), "bandwidth must be positive");
        assertRejects(() -> SampleMetrics.slicedWasserstein1(Nd4j.createFromArray(new double[][] {{Double.NaN, 0}}),
                Nd4j.zeros(1, 2)), "a must be finite", "NaN");
    }
}
