package io.github.scoresde.training.images;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FrechetDistanceTest {

    @Test
    void diagonalGaussiansHaveTheClosedForm() {
        // |mu_a - mu_b|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2 for diagonal covariances
        double[] a = {1, 4, 9};
        double[] b = {4, 1, 0.25};
        INDArray muA = Nd4j.createFromArray(0.0, 1, 2);
        INDArray muB = Nd4j.createFromArray(1.0, 1, 0);
        double want = 1 + 4;
        for (int i = 0; i < 3; i++) {
            want += Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        }
        assertEquals(want, FrechetDistance.of(muA, Nd4j.diag(Nd4j.createFromArray(a)), muB,
                Nd4j.diag(Nd4j.createFromArray(b))), 1e-10);
    }

    @Test
    void rotatedCovariancesAndSampleSets() {
        // same covariance in any basis: the distance is the squared mean difference only
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        INDArray r = Nd4j.createFromArray(new double[][] {{c, -s}, {s, c}});
        INDArray cov = r.mmul(Nd4j.diag(Nd4j.createFromArray(3.0, 0.5))).mmul(r.transpose());
        assertEquals(2.0, FrechetDistance.of(Nd4j.createFromArray(0.0, 0), cov, Nd4j.createFromArray(1.0, 1), cov),
                1e-10);
        INDArray x = RandomSource.of(3).gaussian(DataType.DOUBLE, 0, 20000, 5);
        assertEquals(0, FrechetDistance.between(x, x), 1e-9, "a set against itself");
        INDArray y = RandomSource.of(4).gaussian(DataType.DOUBLE, 0, 20000, 5).muli(2).addi(0.5);
        // N(0, I) against N(0.5, 4 I) in 5-D: 5 * 0.25 + 5 * (2 - 1)^2 = 6.25; the estimate from 20,000
        // draws each has a standard deviation of about 0.06
        assertEquals(6.25, FrechetDistance.between(x, y), 0.25);
    }
}
