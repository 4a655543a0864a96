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

    /**
     * The defaults that write a x + b s beside the divergence-type figure: {@link DifferentiableScore}'s
     * with the quadratic form v^T A v, {@link ScoreDivergence}'s with the trace of A, against the
     * closed forms of the linear score s = A x.
     */
    @Test
    void theAffineDefaultsWriteAxPlusBsBesideTheirFigure() {
        final class LinearWithTrace implements ScoreDivergence {
            private final Linear linear = new Linear();

            @Override
            public long[] sampleShape() {
                return linear.sampleShape();
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                return linear.score(x, t);
            }

            @Override
            public INDArray divergence(INDArray x, INDArray t) {
                return Nd4j.valueArrayOf(new long[] {x.size(0)}, A[0][0] + A[1][1] + A[2][2], x.dataType());
            }
        }
        INDArray x = RandomSource.of(3).gaussian(DataType.DOUBLE, 0, 5, 3);
        INDArray v = RandomSource.of(4).rademacher(DataType.DOUBLE, 0, 5, 3);
        INDArray t = Nd4j.zeros(DataType.DOUBLE, 5);
        double a = 0.5;
        double b = -2;
        INDArray expected = x.mul(a).addi(new Linear().score(x, t).muli(b));
        INDArray out = Nd4j.create(DataType.DOUBLE, 5, 3);
        INDArray q = new Linear().affineScoreAndJacobianQuadraticForm(x, t, v, a, b, out);
        io.github.scoresde.core.testing.NdAssert.assertClose(expected, out, 1e-12, 1e-12);
        io.github.scoresde.core.testing.NdAssert.assertClose(new Linear().jacobianQuadraticForm(x, t, v), q, 1e-12,
                1e-12);
        INDArray out2 = Nd4j.create(DataType.DOUBLE, 5, 3);
        INDArray div = new LinearWithTrace().affineScoreAndDivergence(x, t, a, b, out2);
        io.github.scoresde.core.testing.NdAssert.assertClose(expected, out2, 1e-12, 1e-12);
        assertEquals(2.0, div.getDouble(4), 1e-12);
        // the shared-time defaults: the same through a times array they build and free
        INDArray out3 = Nd4j.create(DataType.DOUBLE, 5, 3);
        assertEquals(q, new Linear().affineScoreAndJacobianQuadraticForm(x, 0.0, v, a, b, out3));
        assertEquals(out, out3);
        INDArray out4 = Nd4j.create(DataType.DOUBLE, 5, 3);
        assertEquals(div, new LinearWithTrace().affineScoreAndDivergence(x, 0.0, a, b, out4));
        assertEquals(out2, out4);
        // the default fixed probe: the same through the shared-time form at each call
        INDArray out5 = Nd4j.create(DataType.DOUBLE, 5, 3);
        try (DifferentiableScore.FixedProbe fixed = new Linear().fixedProbe(v)) {
            assertEquals(q, fixed.affineScoreAndJacobianQuadraticForm(x, 0.0, a, b, out5));
        }
        assertEquals(out, out5);
        assertFalse(x.wasClosed() || v.wasClosed());
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
