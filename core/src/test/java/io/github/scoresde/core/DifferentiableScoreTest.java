package io.github.scoresde.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The defaults of {@link DifferentiableScore}'s quadratic form, against v^T A v of a known linear score. */
class DifferentiableScoreTest {
    /** s(x) = A x per example, [batch, 3]; its vector-Jacobian product is A^T v. */
    private static final double[][] A = {{1, 2, 0}, {-0.5, 3, 1}, {0.25, 0, -2}};

    private static final class Linear implements DifferentiableScore {
        @Override
        public long[] sampleShape() {
            return new long[] {3};
        }

        @Override
        public INDArray score(INDArray x, INDArray t) {
            return x.mmul(Nd4j.createFromArray(A).castTo(x.dataType()).transpose());
        }

        @Override
        public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
            return v.mmul(Nd4j.createFromArray(A).castTo(v.dataType()));
        }
    }

    @Test
    void quadraticFormIsVTransposeAv() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray x = RandomSource.of(1).gaussian(type, 0, 7, 3);
            INDArray v = RandomSource.of(2).gaussian(type, 0, 7, 3);
            INDArray t = Nd4j.zeros(type, 7);
            Linear s = new Linear();
            INDArray q = s.jacobianQuadraticForm(x, t, v);
            INDArray[] both = s.scoreAndJacobianQuadraticForm(x, t, v);
            assertEquals(type, q.dataType());
            assertEquals(7, q.length());
            double tol = type == DataType.DOUBLE ? 1e-12 : 1e-5;
            for (int b = 0; b < 7; b++) {
                double expected = 0;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        expected += v.getDouble(b, i) * A[i][j] * v.getDouble(b, j);
                    }
                }
                assertEquals(expected, q.getDouble(b), tol * (1 + Math.abs(expected)));
                assertEquals(expected, both[1].getDouble(b), tol * (1 + Math.abs(expected)));
            }
            io.github.scoresde.core.testing.NdAssert.assertClose(s.score(x, t), both[0], 1e-12, 1e-12);
        }
    }

    @Test
    void aProductThatIsTheCallersArgumentIsNotFreed() {
        // J = I: a model may hand v itself back as v^T J; the default must not free the caller's v
        DifferentiableScore identity = new DifferentiableScore() {
            @Override
            public long[] sampleShape() {
                return new long[] {2};
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                return x.dup();
            }

            @Override
            public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
                return v;
            }
        };
        INDArray v = Nd4j.createFromArray(new double[][] {{1, -1}, {-1, -1}, {1, 1}});
        INDArray q = identity.jacobianQuadraticForm(v.dup(), Nd4j.zeros(3), v);
        INDArray[] both = identity.scoreAndJacobianQuadraticForm(v.dup(), Nd4j.zeros(3), v);
        assertFalse(v.wasClosed());
        for (int b = 0; b < 3; b++) {
            assertEquals(2, q.getDouble(b));
            assertEquals(2, both[1].getDouble(b));
        }
        assertEquals(-1, v.getDouble(1, 0));
        assertTrue(both[0].equalsWithEps(v, 0));
        assertSame(DataType.DOUBLE, q.dataType());
    }
}
