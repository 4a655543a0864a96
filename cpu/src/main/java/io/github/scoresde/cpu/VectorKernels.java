package io.github.scoresde.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Vector API kernels over the native memory of float32 'f'-order ND4J arrays: column j occupies
 * floats [j rows, (j + 1) rows) from the array's offset, so a column's bias is one scalar.
 * Created by {@link CpuKernelProvider} only when {@code jdk.incubator.vector} is present.
 */
final class VectorKernels implements Kernels.VectorOps {
    /**
     * tanh(x) ~ x P(x^2) / Q(x^2) on |x| &lt;= TANH_CLAMP (beyond it tanh is +-1 in float32), the
     * rational approximation of Eigen's float tanh (odd numerator of degree 13, even denominator of
     * degree 6): absolute error below 4e-7 on the whole line (KernelsTest checks it); used by the
     * vector SiLU kernel.
     */
    static final float[] TANH_A = {4.89352455891786e-03f, 6.37261928875436e-04f, 1.48572235717979e-05f,
        5.12229709037114e-08f, -8.60467152213735e-11f, 2.00018790482477e-13f, -2.76076847742355e-16f};
    static final float[] TANH_B = {4.89352518554385e-03f, 2.26843463243900e-03f, 1.18534705686654e-04f,
        1.19825839466702e-06f};
    static final float TANH_CLAMP = 7.90531110763549805f;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ORDER);
    }

    @Override
    public void biasSilu(INDArray z, float[] bias, INDArray out, INDArray derivative, int rows, int cols) {
        ByteBuffer zb = bytes(z);
        ByteBuffer ob = out == z ? zb : bytes(out);
        ByteBuffer db = derivative == null ? null : bytes(derivative);
        int z0 = (int) z.offset() * 4;
        int o0 = (int) out.offset() * 4;
        int d0 = derivative == null ? 0 : (int) derivative.offset() * 4;
        int step = S.length();
        int bound = S.loopBound(rows);
        FloatVector a1 = FloatVector.broadcast(S, TANH_A[0]);
        FloatVector a3 = FloatVector.broadcast(S, TANH_A[1]);
        FloatVector a5 = FloatVector.broadcast(S, TANH_A[2]);
        FloatVector a7 = FloatVector.broadcast(S, TANH_A[3]);
        FloatVector a9 = FloatVector.broadcast(S, TANH_A[4]);
        FloatVector a11 = FloatVector.broadcast(S, TANH_A[5]);
        FloatVector a13 = FloatVector.broadcast(S, TANH_A[6]);
        FloatVector b0 = FloatVector.broadcast(S, TANH_B[0]);
        FloatVector b2 = FloatVector.broadcast(S, TANH_B[1]);
        FloatVector b4 = FloatVector.broadcast(S, TANH_B[2]);
        FloatVector b6 = FloatVector.broadcast(S, TANH_B[3]);
        for (int j = 0; j < cols; j++) {
            float b = bias[j];
            int col = j * rows * 4;
            int i = 0;
            for (; i < bound; i += step) {
                int at = col + i * 4;
                FloatVector v = FloatVector.fromByteBuffer(S, zb, z0 + at, ORDER).add(b);
                // sigmoid(v) = (1 + tanh(v / 2)) / 2, tanh by a rational function of adds, multiplies
                // and one division (TANH_A, TANH_B), no exponential: the polynomial exponential
                // needs the Vector API's reinterpret casts, whose Java fallback (before C2 compiles
                // a kernel) passes heap buffers through the API's store method; the store's shared
                // type profile then names two buffer classes and C2 compiled this kernel's stores
                // to the allocating fallback in some JVMs (performance.md, seventh round). Written
                // out here, not in a helper: a helper taking vectors compiles without intrinsics.
                FloatVector h = v.mul(0.5f).max(-TANH_CLAMP).min(TANH_CLAMP);
                FloatVector h2 = h.mul(h);
                FloatVector num = h2.fma(a13, a11).fma(h2, a9).fma(h2, a7).fma(h2, a5).fma(h2, a3).fma(h2, a1).mul(h);
                FloatVector den = h2.fma(b6, b4).fma(h2, b2).fma(h2, b0);
                FloatVector s = num.div(den).add(1f).mul(0.5f);
                if (db == null) {
                    v.mul(s).intoByteBuffer(ob, o0 + at, ORDER);
                    continue;
                }
                // SiLU'(v) = s (1 + v (1 - s))
                s.mul(v.mul(s.neg().add(1f)).add(1f)).intoByteBuffer(db, d0 + at, ORDER);
                v.mul(s).intoByteBuffer(ob, o0 + at, ORDER);
            }
            for (; i < rows; i++) {
                int at = col + i * 4;
                float v = zb.getFloat(z0 + at) + b;
                float s = (float) (1.0 / (1.0 + Math.exp(-v)));
                if (db != null) {
                    db.putFloat(d0 + at, s * (1f + v * (1f - s)));
                }
                ob.putFloat(o0 + at, v * s);
            }
        }
    }

    @Override
    public void addBias(INDArray z, float[] bias, int rows, int cols) {
        ByteBuffer zb = bytes(z);
        int z0 = (int) z.offset() * 4;
        int step = S.length();
        int bound = S.loopBound(rows);
        for (int j = 0; j < cols; j++) {
            float b = bias[j];
            int col = z0 + j * rows * 4;
            int i = 0;
            for (; i < bound; i += step) {
                FloatVector.fromByteBuffer(S, zb, col + i * 4, ORDER).add(b).intoByteBuffer(zb, col + i * 4, ORDER);
            }
            for (; i < rows; i++) {
                zb.putFloat(col + i * 4, zb.getFloat(col + i * 4) + b);
            }
        }
    }

    @Override
    public double sumOfSquares(INDArray a, int n) {
        ByteBuffer ab = bytes(a);
        int a0 = (int) a.offset() * 4;
        int step = S.length();
        int bound = S.loopBound(n);
        double total = 0;
        int i = 0;
        // float partial sums over blocks of 1024 values, added up in double
        while (i < bound) {
            FloatVector acc = FloatVector.zero(S);
            int end = Math.min(bound, i + 1024);
            for (; i < end; i += step) {
                FloatVector x = FloatVector.fromByteBuffer(S, ab, a0 + i * 4, ORDER);
                acc = x.mul(x).add(acc);
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            double x = ab.getFloat(a0 + i * 4);
            total += x * x;
        }
        return total;
    }

    private static ByteBuffer[] bytes(INDArray[] k) {
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

    @Override
    public void linearCombination(INDArray out, double yScale, INDArray y, double h, double[] a, INDArray[] k, int n) {
        ByteBuffer yb = bytes(y);
        ByteBuffer ob = out == y ? yb : bytes(out);
        ByteBuffer[] kb = bytes(k);
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
     * buffer for every vector (200 against 127 us for six terms over 130,000 values). Missing slots
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

    @Override
    public double scaledErrorRms(INDArray y, INDArray yNew, double rtol, double atol, double h, double[] e,
            INDArray[] k, int n) {
        ByteBuffer yb = bytes(y);
        ByteBuffer nb = bytes(yNew);
        ByteBuffer[] kb = bytes(k);
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

    @Override
    public void adam(INDArray g, INDArray m, INDArray v, float alpha, float beta1, float beta2, float eps, float scale,
            int n) {
        ByteBuffer gb = bytes(g);
        ByteBuffer mb = bytes(m);
        ByteBuffer vb = bytes(v);
        int g0 = (int) g.offset() * 4;
        int m0 = (int) m.offset() * 4;
        int v0 = (int) v.offset() * 4;
        float c1 = 1 - beta1;
        float c2 = 1 - beta2;
        int step = S.length();
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += step) {
            FloatVector gv = FloatVector.fromByteBuffer(S, gb, g0 + i * 4, ORDER).mul(scale);
            FloatVector mv = FloatVector.fromByteBuffer(S, mb, m0 + i * 4, ORDER).mul(beta1).add(gv.mul(c1));
            FloatVector vv = FloatVector.fromByteBuffer(S, vb, v0 + i * 4, ORDER).mul(beta2).add(gv.mul(gv).mul(c2));
            mv.intoByteBuffer(mb, m0 + i * 4, ORDER);
            vv.intoByteBuffer(vb, v0 + i * 4, ORDER);
            mv.mul(alpha).div(vv.lanewise(VectorOperators.SQRT).add(eps)).intoByteBuffer(gb, g0 + i * 4, ORDER);
        }
        for (; i < n; i++) {
            float gv = gb.getFloat(g0 + i * 4) * scale;
            float mv = mb.getFloat(m0 + i * 4) * beta1 + gv * c1;
            float vv = vb.getFloat(v0 + i * 4) * beta2 + gv * gv * c2;
            mb.putFloat(m0 + i * 4, mv);
            vb.putFloat(v0 + i * 4, vv);
            gb.putFloat(g0 + i * 4, mv * alpha / ((float) Math.sqrt(vv) + eps));
        }
    }

    @Override
    public void movingAverage(INDArray average, INDArray params, float decay, int n) {
        ByteBuffer ab = bytes(average);
        ByteBuffer pb = bytes(params);
        int a0 = (int) average.offset() * 4;
        int p0 = (int) params.offset() * 4;
        float c = 1 - decay;
        int step = S.length();
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += step) {
            FloatVector.fromByteBuffer(S, ab, a0 + i * 4, ORDER).mul(decay)
                    .add(FloatVector.fromByteBuffer(S, pb, p0 + i * 4, ORDER).mul(c))
                    .intoByteBuffer(ab, a0 + i * 4, ORDER);
        }
        for (; i < n; i++) {
            ab.putFloat(a0 + i * 4, ab.getFloat(a0 + i * 4) * decay + pb.getFloat(p0 + i * 4) * c);
        }
    }

    /** Doubles per vector matched to floats per half-width vector for the float64 -> float32 store. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    @Override
    public void sinCos(double scale, double[] frequencies, float[] out, int sinAt, int cosAt) {
        int m = frequencies.length;
        int step = D.length();
        int bound = D.loopBound(m);
        int i = 0;
        for (; i < bound; i += step) {
            DoubleVector a = DoubleVector.fromArray(D, frequencies, i).mul(scale);
            ((FloatVector) a.lanewise(VectorOperators.SIN).convertShape(VectorOperators.D2F, HALF, 0))
                    .intoArray(out, sinAt + i);
            ((FloatVector) a.lanewise(VectorOperators.COS).convertShape(VectorOperators.D2F, HALF, 0))
                    .intoArray(out, cosAt + i);
        }
        for (; i < m; i++) {
            double a = scale * frequencies[i];
            out[sinAt + i] = (float) Math.sin(a);
            out[cosAt + i] = (float) Math.cos(a);
        }
    }

    @Override
    public double meanRowNorm(float[] a, int rows, int per) {
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

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    // The hash stages below each take and return arrays, one round of SplitMix64's output function (RandomSource.mix) per method: C2 stops
    // inlining vector operations into a method past a node budget (NodeCountInliningCutoff), and a
    // vector passed between methods that were not inlined is boxed, about ten times slower.

    /** dst = mix(((a mul) + add) ^ xor), lane-wise, for [0, n) (n a multiple of the lanes). */
    private static void mixAffine(long[] a, long mul, long add, long xor, long[] dst, int n) {
        for (int l = 0; l < n; l += L.length()) {
            LongVector z = LongVector.fromArray(L, a, l).mul(mul).add(add).lanewise(VectorOperators.XOR, xor);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).intoArray(dst, l);
        }
    }

    /** dst = mix(a + (pos + 1) mul), lane-wise. */
    private static void mixPosition(long[] a, long[] pos, long mul, long[] dst, int n) {
        for (int l = 0; l < n; l += L.length()) {
            LongVector z = LongVector.fromArray(L, a, l).add(LongVector.fromArray(L, pos, l).add(1).mul(mul));
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
            z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31)).intoArray(dst, l);
        }
    }

    /** The polar transform of uniforms from the hashes h1, h2: u f, v f and s = u^2 + v^2. */
    private static void polar(long[] h1, long[] h2, int n, double[] us, double[] vs, double[] ss) {
        for (int l = 0; l < n; l += L.length()) {
            DoubleVector u = ((DoubleVector) LongVector.fromArray(L, h1, l).lanewise(VectorOperators.LSHR, 11)
                    .convert(VectorOperators.L2D, 0)).mul(0x1.0p-53).mul(2.0).sub(1.0);
            DoubleVector v = ((DoubleVector) LongVector.fromArray(L, h2, l).lanewise(VectorOperators.LSHR, 11)
                    .convert(VectorOperators.L2D, 0)).mul(0x1.0p-53).mul(2.0).sub(1.0);
            DoubleVector sq = u.mul(u).add(v.mul(v));
            DoubleVector f = sq.lanewise(VectorOperators.LOG).mul(-2.0).div(sq).lanewise(VectorOperators.SQRT);
            u.mul(f).intoArray(us, l);
            v.mul(f).intoArray(vs, l);
            sq.intoArray(ss, l);
        }
    }

    @Override
    public boolean gaussianPairs(long key, long golden, long saltGauss, long saltUniform, long saltStream,
            long firstIndex, int perRow, int from, int to, double[] outD, float[] outF) {
        // 64-bit lane multiplies are single instructions only with AVX-512 (8 lanes); elsewhere the
        // scalar loop is faster than the emulation
        if (L.length() < 8 || L.length() != D.length()) {
            return false;
        }
        int lanes = L.length();
        int pairs = (perRow + 1) / 2;
        long start = (long) from * pairs;
        long end = (long) to * pairs;
        // chunks of pair slots, each in passes over small arrays: positions (scalar), hashes and
        // the polar transform (vector), write-back (scalar); the slots whose attempt was rejected
        // are compacted and retried, all in the vector path, so a slot's value never depends on
        // how the rows were split
        int chunk = PairScratch.CHUNK;
        PairScratch scratch = PAIR_SCRATCH.get();
        long[] idx = scratch.idx;
        long[] pos = scratch.pos;
        int[] at = scratch.at;
        boolean[] second = scratch.second;
        long[] base = scratch.base;
        long[] h1 = scratch.h1;
        long[] h2 = scratch.h2;
        int[] slots = scratch.slots;
        double[] us = scratch.us;
        double[] vs = scratch.vs;
        double[] ss = scratch.ss;
        long keySalt = key ^ saltGauss;
        int r = from;
        int p = 0;
        for (long c0 = start; c0 < end; c0 += chunk) {
            int n = (int) Math.min(chunk, end - c0);
            for (int l = 0; l < n; l++) {
                idx[l] = firstIndex + r;
                pos[l] = p;
                at[l] = r * perRow + 2 * p;
                second[l] = 2 * p + 1 < perRow;
                slots[l] = l;
                if (++p == pairs) {
                    p = 0;
                    r++;
                }
            }
            int padded = pad(n, lanes, idx, pos);
            // row key, then the pair's base hash
            mixAffine(idx, golden, saltGauss, 0, base, padded);
            mixAffine(base, 1, 0, keySalt, base, padded);
            mixPosition(base, pos, golden, base, padded);
            int pending = n;
            for (long attempt = 0; pending > 0; attempt++) {
                padded = pad(pending, lanes, base, null);
                mixAffine(base, 1, attempt * saltUniform, 0, h1, padded);
                mixAffine(h1, 1, 0, saltStream, h2, padded);
                polar(h1, h2, padded, us, vs, ss);
                // write every pending slot (a rejected one is rewritten by a later attempt), then
                // keep the rejected ones, without branches on the random outcome
                int kept = 0;
                if (attempt == 0 && perRow % 2 == 0) {
                    // the first attempt of rows of whole pairs: the slots are in order and adjacent
                    int o = at[0];
                    if (outD != null) {
                        for (int l = 0; l < pending; l++) {
                            outD[o + 2 * l] = us[l];
                            outD[o + 2 * l + 1] = vs[l];
                        }
                    } else {
                        for (int l = 0; l < pending; l++) {
                            outF[o + 2 * l] = (float) us[l];
                            outF[o + 2 * l + 1] = (float) vs[l];
                        }
                    }
                    for (int l = 0; l < pending; l++) {
                        slots[kept] = l;
                        base[kept] = base[l];
                        kept += rejected(ss[l]);
                    }
                    pending = kept;
                    continue;
                }
                for (int l = 0; l < pending; l++) {
                    int slot = slots[l];
                    int o = at[slot];
                    if (outD != null) {
                        outD[o] = us[l];
                        if (second[slot]) {
                            outD[o + 1] = vs[l];
                        }
                    } else {
                        outF[o] = (float) us[l];
                        if (second[slot]) {
                            outF[o + 1] = (float) vs[l];
                        }
                    }
                    slots[kept] = slot;
                    base[kept] = base[l];
                    kept += rejected(ss[l]);
                }
                pending = kept;
            }
        }
        return true;
    }

    /**
     * The working arrays of {@link #gaussianPairs}, one set per thread: a sampler draws every step
     * (on its own thread or the noise-ahead one), and 20 KB of fresh arrays per draw were most of
     * what the garbage collector had to collect while sampling with the exact score.
     */
    private static final class PairScratch {
        /** Pair slots per chunk: 32 vectors of longs. */
        static final int CHUNK = 32 * L.length();
        final long[] idx = new long[CHUNK];
        final long[] pos = new long[CHUNK];
        final int[] at = new int[CHUNK];
        final boolean[] second = new boolean[CHUNK];
        final long[] base = new long[CHUNK];
        final long[] h1 = new long[CHUNK];
        final long[] h2 = new long[CHUNK];
        final int[] slots = new int[CHUNK];
        final double[] us = new double[CHUNK];
        final double[] vs = new double[CHUNK];
        final double[] ss = new double[CHUNK];
    }

    private static final ThreadLocal<PairScratch> PAIR_SCRATCH = ThreadLocal.withInitial(PairScratch::new);

    /**
     * 1 when the polar method rejects the point (u, v) with u^2 + v^2 = s, that is unless
     * 0 &lt; s &lt; 1, else 0: the sign bit of s - 1 rather than a comparison, as a rejection is
     * random (about one point in five) and a branch on it is mispredicted that often; s = 0 (never
     * seen in practice) takes a branch that is always predicted.
     */
    private static int rejected(double s) {
        return (int) (Double.doubleToRawLongBits(s - 1) >>> 63 ^ 1) | (s == 0 ? 1 : 0);
    }

    /** Pads a[n..] (and b[n..] when given) to whole vectors with the last real value; the padded length. */
    private static int pad(int n, int lanes, long[] a, long[] b) {
        int padded = (n + lanes - 1) / lanes * lanes;
        for (int l = n; l < padded; l++) {
            a[l] = a[n - 1];
            if (b != null) {
                b[l] = b[n - 1];
            }
        }
        return padded;
    }

    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(D.vectorBitSize() / 2));

    @Override
    public float[] multiplyColumnSums(INDArray epsilon, INDArray derivative, int rows, int cols) {
        ByteBuffer eb = bytes(epsilon);
        ByteBuffer db = bytes(derivative);
        int e0 = (int) epsilon.offset() * 4;
        int d0 = (int) derivative.offset() * 4;
        int step = S.length();
        int bound = S.loopBound(rows);
        float[] sums = new float[cols];
        for (int j = 0; j < cols; j++) {
            int col = j * rows * 4;
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (; i < bound; i += step) {
                int at = col + i * 4;
                FloatVector delta = FloatVector.fromByteBuffer(S, eb, e0 + at, ORDER)
                        .mul(FloatVector.fromByteBuffer(S, db, d0 + at, ORDER));
                delta.intoByteBuffer(db, d0 + at, ORDER);
                acc = acc.add(delta);
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            for (; i < rows; i++) {
                int at = col + i * 4;
                float delta = eb.getFloat(e0 + at) * db.getFloat(d0 + at);
                db.putFloat(d0 + at, delta);
                sum += delta;
            }
            sums[j] = sum;
        }
        return sums;
    }
}
