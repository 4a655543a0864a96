package io.github.scoresde.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The default scalar-time form of {@link ScoreFunction#score(INDArray, double)}. */
class ScoreFunctionTest {

    /** s(x, t) = t_b x_b per example; remembers the times array it was lent (copied). */
    private static final class TimesX implements ScoreFunction {
        INDArray seen;

        @Override
        public long[] sampleShape() {
            return new long[] {2};
        }

        @Override
        public INDArray score(INDArray x, INDArray t) {
            seen = t.dup();
            return Broadcast.mul(x, Broadcast.vector(NdArrays.toDoubles(t), x));
        }
    }

    @Test
    void theScalarFormLendsOneTimePerExampleInTheStatesPrecision() {
        TimesX s = new TimesX();
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray x = Nd4j.createFromArray(new double[][] {{1, -2}, {3, 0.5}, {-4, 8}}).castTo(type);
            INDArray out = s.score(x, 0.375);
            assertEquals(type, s.seen.dataType());
            assertArrayEquals(new long[] {3}, s.seen.shape());
            assertArrayEquals(new double[] {0.375, 0.375, 0.375}, NdArrays.toDoubles(s.seen));
            assertEquals(type, out.dataType());
            assertArrayEquals(new double[] {0.375, -0.75, 1.125, 0.1875, -1.5, 3}, NdArrays.toDoubles(out), 1e-7);
            // the same values as the array form
            INDArray t = Nd4j.valueArrayOf(new long[] {3}, 0.375, type);
            assertArrayEquals(NdArrays.toDoubles(s.score(x, t)), NdArrays.toDoubles(out));
        }
    }

    @Test
    void theScalarFormRejectsAMissingOrScalarState() {
        TimesX s = new TimesX();
        assertThrows(IllegalArgumentException.class, () -> s.score(null, 0.5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.score(Nd4j.scalar(1.0f), 0.5));
        assertTrue(e.getMessage().contains("batch dimension"), e.getMessage());
    }
}
