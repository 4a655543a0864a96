package io.github.scoresde.core;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BroadcastTest {

    @Test
    void scalesEachExampleOfAnyRank() {
        INDArray x = Nd4j.ones(DataType.FLOAT, 3, 2, 4, 5);
        INDArray c = Nd4j.createFromArray(1.0, 2.0, 3.0);
        INDArray y = Broadcast.mul(x, c);
        assertArrayEquals(x.shape(), y.shape());
        assertEquals(DataType.FLOAT, y.dataType());
        assertEquals(80.0, y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).sumNumber().doubleValue(), 1e-6);
        assertEquals(1.0, x.getDouble(2, 1, 3, 4), 0, "input must not be modified");
        Broadcast.muli(x, c);
        assertEquals(3.0, x.getDouble(2, 1, 3, 4), 0);
    }

    @Test
    void dotsEachExampleOverAllItsValues() {
        // x [2, 2, 3] float32 against y flattened to [12] float64: the same row-major values
        INDArray x = Nd4j.createFromArray(new float[] {1, 2, 3, 4, 5, 6, -1, 0, 2, 0, 1, 1}).reshape(2, 2, 3);
        INDArray y = Nd4j.createFromArray(new double[] {1, 1, 1, 1, 1, 1, 2, 5, 0.5, 7, 3, -1});
        assertArrayEquals(new double[] {21, 1}, Broadcast.dot(x, y), 0);
        assertArrayEquals(new double[] {21, 1}, Broadcast.dot(x.dup('f'), y), 0);
        assertRejects(() -> Broadcast.dot(x, Nd4j.ones(11)), "y must hold the 12 values of x; got 11");
    }

    @Test
    void rejectsScalarsThatDoNotMatchTheBatch() {
        assertRejects(() -> Broadcast.perExample(Nd4j.ones(4), Nd4j.ones(3, 2)),
                "per-example scalars must have shape [3]", "[3, 2]", "[4]");
    }

    @Test
    void checksNameArgumentAndValue() {
        assertRejects(() -> Checks.positive("sigma", -0.5), "sigma must be positive", "-0.5");
        assertRejects(() -> Checks.inRange("t", Double.NaN, 0, 1), "t must lie in [0.0, 1.0]", "NaN");
        assertRejects(() -> Checks.times("t", Nd4j.createFromArray(0.5, 1.5), 2, 1.0), "t must lie in [0, 1.0]",
                "1.5 at index 1");
        assertRejects(() -> Checks.times("t", Nd4j.createFromArray(0.5), 2, 1.0), "t must have shape [2]");
        // float32 times (a sampler's) take a one-pass path: the same values and the same errors
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0.25, 0.1f, 1.0},
                Checks.times("t", Nd4j.createFromArray(0.25f, 0.1f, 1f), 3, 1.0));
        assertRejects(() -> Checks.times("t", Nd4j.createFromArray(0.5f, -0.25f, 2f), 3, 1.0), "t must lie in [0, 1.0]",
                "-0.25 at index 1");
        assertRejects(() -> Checks.batchOf("x", Nd4j.zeros(128, 3), new long[] {2}),
                "x must have shape [batch, 2]", "[128, 3]");
        assertRejects(() -> Checks.allFinite("x", Nd4j.createFromArray(new double[][] {{1, 2}, {Double.NaN, 0}})),
                "x must be finite", "NaN", "example 1");
    }
}
