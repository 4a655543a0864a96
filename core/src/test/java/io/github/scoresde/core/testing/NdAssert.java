package io.github.scoresde.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared array assertions and finite-difference helpers for the tests of every module. */
public final class NdAssert {
    private NdAssert() {
    }

    /** Asserts equal shapes and |a - b| &lt;= atol + rtol |b| elementwise. */
    public static void assertClose(INDArray expected, INDArray actual, double rtol, double atol) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        assertClose(e, a, rtol, atol);
    }

    /** Asserts equal lengths and |a - b| &lt;= atol + rtol |b| elementwise. */
    public static void assertClose(double[] expected, double[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                throw new AssertionError("index " + i + ": expected " + expected[i] + " but was " + actual[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    /** Asserts that {@code call} throws an IllegalArgumentException whose message contains every fragment. */
    public static IllegalArgumentException assertRejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f),
                    "message \"" + e.getMessage() + "\" should contain \"" + f + "\"");
        }
        return e;
    }

    /**
     * Central finite-difference gradient of a per-example scalar function, in float64: entry (b, j)
     * is (f(x + h e_j)_b - f(x - h e_j)_b) / 2h.
     */
    public static INDArray gradient(Function<INDArray, double[]> f, INDArray x, double h) {
        INDArray x64 = x.castTo(DataType.DOUBLE);
        int batch = (int) x64.size(0);
        int d = (int) x64.size(1);
        INDArray out = Nd4j.create(DataType.DOUBLE, batch, d);
        for (int j = 0; j < d; j++) {
            INDArray plus = x64.dup();
            INDArray minus = x64.dup();
            plus.getColumn(j).addi(h);
            minus.getColumn(j).subi(h);
            double[] fp = f.apply(plus);
            double[] fm = f.apply(minus);
            for (int b = 0; b < batch; b++) {
                out.putScalar(b, j, (fp[b] - fm[b]) / (2 * h));
            }
        }
        return out;
    }

    /**
     * Central finite-difference directional derivative of a vector field: (F(x + h v) - F(x - h v)) / 2h,
     * in float64.
     */
    public static INDArray directional(Function<INDArray, INDArray> f, INDArray x, INDArray v, double h) {
        INDArray x64 = x.castTo(DataType.DOUBLE);
        INDArray v64 = v.castTo(DataType.DOUBLE);
        INDArray fp = f.apply(x64.add(v64.mul(h))).castTo(DataType.DOUBLE);
        INDArray fm = f.apply(x64.sub(v64.mul(h))).castTo(DataType.DOUBLE);
        return fp.sub(fm).divi(2 * h);
    }
}
