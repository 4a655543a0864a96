package io.github.scoresde.cpu;

import static io.github.scoresde.cpu.VectorKernels.D;
import static io.github.scoresde.cpu.VectorKernels.ORDER;
import static io.github.scoresde.cpu.VectorKernels.S;
import static io.github.scoresde.cpu.VectorKernels.bytes;

import java.nio.ByteBuffer;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Vector API kernels of the ODE solvers and samplers: linear combinations of stages, the
 * scaled error norm of an embedded Runge-Kutta pair, the mean row norm of the Langevin step. Over
 * the native memory of dense float32 or float64 arrays, as {@link VectorKernels} hands them over.
 */
final class VectorSolverKernels {
    private VectorSolverKernels() {
    }

    private static ByteBuffer[] bytesOfEach(INDArray[] k) {
        ByteBuffer[] out = new ByteBuffer[k.length];
        for (int j = 0; j < k.length; j++) {
            out[j] = bytes(k[j]);
        }
        return out;
    }

    private static int[] byteOffsets(INDArray[] k) {
        int[] out = new int[k.length];
        for (int j = 0; j < k.length; j++) {
            out[j] = (int) (k[j].offset() * k[j].dataType().width());
        }
        return out;
    }

    static void linearCombination(INDArray out, double yScale, INDArray y, double h, double[] a, INDArray[] k, int n) {
        ByteBuffer yb = bytes(y);
        ByteBuffer ob = out == y ? yb : bytes(out);
        ByteBuffer[] kb = bytesOfEach(k);
        int[] k0 = byteOffsets(k);
        int w = y.dataType().width();
        int y0 = (int) y.offset() * w;
        int o0 = (int) out.offset() * w;
        // one method per data type: a single method holding both loops outgrew C2's inlining budget
        // once both had run (a bench JVM that ran float32 sampling before float64 likelihoods), and
        // its vectors were then boxed, ten times slower
        if (w == 4) {
            combinationFloat(ob, o0, yScale, yb, y0, h, a, kb, k0, n);
        } else {
            combinationDouble(ob, o0, yScale, yb, y0, h, a, kb, k0, n);
        }
    }

    private static void combinationFloat(ByteBuffer ob, int o0, double yScale, ByteBuffer yb, int y0, double h,
            double[] a, ByteBuffer[] kb, int[] k0, int n) {
        int terms = kb.length;
        float[] c = new float[terms];
        for (int j = 0; j < terms; j++) {
            c[j] = (float) (h * a[j]);
        }
        int step = S.length();
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += step) {
            FloatVector acc = FloatVector.fromByteBuffer(S, yb, y0 + i * 4, ORDER);
            if (yScale != 1) {
                acc = acc.mul((float) yScale);
            }
            for (int j = 0; j < terms; j++) {
                acc = FloatVector.fromByteBuffer(S, kb[j], k0[j] + i * 4, ORDER).mul(c[j]).add(acc);
            }
            acc.intoByteBuffer(ob, o0 + i * 4, ORDER);
        }
        for (; i < n; i++) {
            float acc = yScale != 1 ? yb.getFloat(y0 + i * 4) * (float) yScale : yb.getFloat(y0 + i * 4);
            for (int j = 0; j < terms; j++) {
                acc += kb[j].getFloat(k0[j] + i * 4) * c[j];
            }
            ob.putFloat(o0 + i * 4, acc);
        }
    }

    private static void combinationDouble(ByteBuffer ob, int o0, double yScale, ByteBuffer yb, int y0, double h,
            double[] a, ByteBuffer[] kb, int[] k0, int n) {
        int terms = kb.length;
        double[] c = new double[terms];
        for (int j = 0; j < terms; j++) {
            c[j] = h * a[j];
        }
        int step = D.length();
        int bound = D.loopBound(n);
        int i = 0;
        if (terms >= 4 && terms <= 6) {
            combinationDouble6(ob, o0, yScale, yb, y0, c, kb, k0, bound);
            i = bound;
        }
        for (; i < bound; i += step) {
            DoubleVector acc = DoubleVector.fromByteBuffer(D, yb, y0 + i * 8, ORDER);
            if (yScale != 1) {
                acc = acc.mul(yScale);
            }
            for (int j = 0; j < terms; j++) {
                acc = DoubleVector.fromByteBuffer(D, kb[j], k0[j] + i * 8, ORDER).mul(c[j]).add(acc);
            }
            acc.intoByteBuffer(ob, o0 + i * 8, ORDER);
        }
        for (; i < n; i++) {
            double acc = yb.getDouble(y0 + i * 8) * yScale;
            for (int j = 0; j < terms; j++) {
                acc += kb[j].getDouble(k0[j] + i * 8) * c[j];
            }
            ob.putDouble(o0 + i * 8, acc);
        }
    }

    /**
     * The whole vectors [0, bound) of {@link #combinationDouble} for 4 to 6 terms (Dormand-Prince's
     * later stages and its new state), the terms in six fixed slots: each slot's buffer, offset and
     * coefficient are locals the loop does not reload, where the general loop reloads a term's
     * buffer for every vector. Missing slots
     * repeat y with coefficient 0, adding zeros after the real terms in the same order: the same
     * values, except that a non-finite y gives NaN where it gave an infinity.
     */
    private static void combinationDouble6(ByteBuffer ob, int o0, double yScale, ByteBuffer yb, int y0, double[] c,
            ByteBuffer[] kb, int[] k0, int bound) {
        int terms = kb.length;
        ByteBuffer b0 = kb[0];
        ByteBuffer b1 = kb[1];
        ByteBuffer b2 = kb[2];
        ByteBuffer b3 = kb[3];
        ByteBuffer b4 = terms > 4 ? kb[4] : yb;
        ByteBuffer b5 = terms > 5 ? kb[5] : yb;
        int p0 = k0[0];
        int p1 = k0[1];
        int p2 = k0[2];
        int p3 = k0[3];
        int p4 = terms > 4 ? k0[4] : y0;
        int p5 = terms > 5 ? k0[5] : y0;
        double c0 = c[0];
        double c1 = c[1];
        double c2 = c[2];
        double c3 = c[3];
        double c4 = terms > 4 ? c[4] : 0;
        double c5 = terms > 5 ? c[5] : 0;
        int step = D.length();
        for (int i = 0; i < bound; i += step) {
            int at = i * 8;
            DoubleVector acc = DoubleVector.fromByteBuffer(D, yb, y0 + at, ORDER);
            if (yScale != 1) {
                acc = acc.mul(yScale);
            }
            acc = DoubleVector.fromByteBuffer(D, b0, p0 + at, ORDER).mul(c0).add(acc);
            acc = DoubleVector.fromByteBuffer(D, b1, p1 + at, ORDER).mul(c1).add(acc);
            acc = DoubleVector.fromByteBuffer(D, b2, p2 + at, ORDER).mul(c2).add(acc);
            acc = DoubleVector.fromByteBuffer(D, b3, p3 + at, ORDER).mul(c3).add(acc);
            acc = DoubleVector.fromByteBuffer(D, b4, p4 + at, ORDER).mul(c4).add(acc);
            acc = DoubleVector.fromByteBuffer(D, b5, p5 + at, ORDER).mul(c5).add(acc);
            acc.intoByteBuffer(ob, o0 + at, ORDER);
        }
    }

    /** sum of (err / scale)^2 over the whole float32 vectors of [0, n), in blocks of 1024 values. */
    private static double errorSquaresFloat(ByteBuffer yb, int y0, ByteBuffer nb, int n0, double rtol, double atol,
            double[] c, ByteBuffer[] kb, int[] k0, int n) {
        int terms = kb.length;
        int step = S.length();
        int bound = S.loopBound(n);
        float[] cf = new float[terms];
        for (int j = 0; j < terms; j++) {
            cf[j] = (float) c[j];
        }
        double total = 0;
        int i = 0;
        while (i < bound) {
            FloatVector sum = FloatVector.zero(S);
            int end = Math.min(bound, i + 1024);
            for (; i < end; i += step) {
                FloatVector err = FloatVector.zero(S);
                for (int j = 0; j < terms; j++) {
                    err = FloatVector.fromByteBuffer(S, kb[j], k0[j] + i * 4, ORDER).mul(cf[j]).add(err);
                }
                FloatVector scale = FloatVector.fromByteBuffer(S, yb, y0 + i * 4, ORDER).abs()
                        .max(FloatVector.fromByteBuffer(S, nb, n0 + i * 4, ORDER).abs()).mul((float) rtol)
                        .add((float) atol);
                FloatVector r = err.div(scale);
                sum = r.mul(r).add(sum);
            }
            total += sum.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** sum of (err / scale)^2 over the whole float64 vectors of [0, n). */
    private static double errorSquaresDouble(ByteBuffer yb, int y0, ByteBuffer nb, int n0, double rtol, double atol,
            double[] c, ByteBuffer[] kb, int[] k0, int n) {
        int terms = kb.length;
        if (terms == 6) {
            return errorSquaresDouble6(yb, y0, nb, n0, rtol, atol, c, kb, k0, n);
        }
        int step = D.length();
        int bound = D.loopBound(n);
        DoubleVector sum = DoubleVector.zero(D);
        for (int i = 0; i < bound; i += step) {
            DoubleVector err = DoubleVector.zero(D);
            for (int j = 0; j < terms; j++) {
                err = DoubleVector.fromByteBuffer(D, kb[j], k0[j] + i * 8, ORDER).mul(c[j]).add(err);
            }
            DoubleVector scale = DoubleVector.fromByteBuffer(D, yb, y0 + i * 8, ORDER).abs()
                    .max(DoubleVector.fromByteBuffer(D, nb, n0 + i * 8, ORDER).abs()).mul(rtol).add(atol);
            DoubleVector r = err.div(scale);
            sum = r.fma(r, sum);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #errorSquaresDouble} for six terms (Dormand-Prince's error estimate), the terms' buffers,
     * offsets and coefficients in locals (see {@link #combinationDouble6}); the same sums.
     */
    private static double errorSquaresDouble6(ByteBuffer yb, int y0, ByteBuffer nb, int n0, double rtol,
            double atol, double[] c, ByteBuffer[] kb, int[] k0, int n) {
        ByteBuffer b0 = kb[0];
        ByteBuffer b1 = kb[1];
        ByteBuffer b2 = kb[2];
        ByteBuffer b3 = kb[3];
        ByteBuffer b4 = kb[4];
        ByteBuffer b5 = kb[5];
        int p0 = k0[0];
        int p1 = k0[1];
        int p2 = k0[2];
        int p3 = k0[3];
        int p4 = k0[4];
        int p5 = k0[5];
        double c0 = c[0];
        double c1 = c[1];
        double c2 = c[2];
        double c3 = c[3];
        double c4 = c[4];
        double c5 = c[5];
        int step = D.length();
        int bound = D.loopBound(n);
        DoubleVector sum = DoubleVector.zero(D);
        for (int i = 0; i < bound; i += step) {
            int at = i * 8;
            DoubleVector err = DoubleVector.fromByteBuffer(D, b0, p0 + at, ORDER).mul(c0);
            err = DoubleVector.fromByteBuffer(D, b1, p1 + at, ORDER).mul(c1).add(err);
            err = DoubleVector.fromByteBuffer(D, b2, p2 + at, ORDER).mul(c2).add(err);
            err = DoubleVector.fromByteBuffer(D, b3, p3 + at, ORDER).mul(c3).add(err);
            err = DoubleVector.fromByteBuffer(D, b4, p4 + at, ORDER).mul(c4).add(err);
            err = DoubleVector.fromByteBuffer(D, b5, p5 + at, ORDER).mul(c5).add(err);
            DoubleVector scale = DoubleVector.fromByteBuffer(D, yb, y0 + at, ORDER).abs()
                    .max(DoubleVector.fromByteBuffer(D, nb, n0 + at, ORDER).abs()).mul(rtol).add(atol);
            DoubleVector r = err.div(scale);
            sum = r.fma(r, sum);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    static double scaledErrorRms(INDArray y, INDArray yNew, double rtol, double atol, double h, double[] e,
            INDArray[] k, int n) {
        ByteBuffer yb = bytes(y);
        ByteBuffer nb = bytes(yNew);
        ByteBuffer[] kb = bytesOfEach(k);
        int[] k0 = byteOffsets(k);
        int w = y.dataType().width();
        int y0 = (int) y.offset() * w;
        int n0 = (int) yNew.offset() * w;
        int terms = k.length;
        double[] c = new double[terms];
        for (int j = 0; j < terms; j++) {
            c[j] = h * e[j];
        }
        // in the arrays' precision, as the ND4J ops would; squares summed in float64; one method
        // per data type (see linearCombination); the vector part returns the squares' sum and the
        // scalar tail below covers the rest
        double total = w == 4 ? errorSquaresFloat(yb, y0, nb, n0, rtol, atol, c, kb, k0, n)
                : errorSquaresDouble(yb, y0, nb, n0, rtol, atol, c, kb, k0, n);
        int i = w == 4 ? S.loopBound(n) : D.loopBound(n);
        for (; i < n; i++) {
            double err = 0;
            for (int j = 0; j < terms; j++) {
                err += (w == 8 ? kb[j].getDouble(k0[j] + i * 8) : kb[j].getFloat(k0[j] + i * 4)) * c[j];
            }
            double a = Math.abs(w == 8 ? yb.getDouble(y0 + i * 8) : yb.getFloat(y0 + i * 4));
            double b = Math.abs(w == 8 ? nb.getDouble(n0 + i * 8) : nb.getFloat(n0 + i * 4));
            double r = err / (atol + rtol * Math.max(a, b));
            total += r * r;
        }
        return Math.sqrt(total / n);
    }

    static double meanRowNorm(float[] a, int rows, int per) {
        int lanes = S.length();
        double total = 0;
        float[] lanesOut = new float[lanes];
        if (per < lanes) {
            // short rows: a vector of rows at a time, gathered per coordinate
            int[] rowsApart = new int[lanes];
            for (int l = 0; l < lanes; l++) {
                rowsApart[l] = l * per;
            }
            int b = 0;
            // float32 partial sums of at most 64 vectors of norms, added up in double precision
            FloatVector norms = FloatVector.zero(S);
            int pending = 0;
            for (; b + lanes <= rows; b += lanes) {
                FloatVector sq = FloatVector.zero(S);
                for (int q = 0; q < per; q++) {
                    FloatVector v = FloatVector.fromArray(S, a, b * per + q, rowsApart, 0);
                    sq = v.fma(v, sq);
                }
                norms = norms.add(sq.lanewise(VectorOperators.SQRT));
                if (++pending == 64) {
                    norms.intoArray(lanesOut, 0);
                    total += sumLanes(lanesOut);
                    norms = FloatVector.zero(S);
                    pending = 0;
                }
            }
            norms.intoArray(lanesOut, 0);
            total += sumLanes(lanesOut);
            for (; b < rows; b++) {
                double sq = 0;
                for (int q = 0; q < per; q++) {
                    double v = a[b * per + q];
                    sq += v * v;
                }
                total += Math.sqrt(sq);
            }
            return total / rows;
        }
        for (int b = 0; b < rows; b++) {
            int at = b * per;
            int bound = at + S.loopBound(per);
            FloatVector acc = FloatVector.zero(S);
            int i = at;
            for (; i < bound; i += lanes) {
                FloatVector v = FloatVector.fromArray(S, a, i);
                acc = v.fma(v, acc);
            }
            acc.intoArray(lanesOut, 0);
            double sq = sumLanes(lanesOut);
            for (; i < at + per; i++) {
                sq += (double) a[i] * a[i];
            }
            total += Math.sqrt(sq);
        }
        return total / rows;
    }

    /** The lanes' sum in double precision, in lane order (values, not a vector: see biasSilu). */
    private static double sumLanes(float[] lanes) {
        double sum = 0;
        for (float f : lanes) {
            sum += f;
        }
        return sum;
    }
}
