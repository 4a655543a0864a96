package io.github.scoresde.core.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Vector API kernels over the native memory of float32 'f'-order ND4J arrays: column j occupies
 * floats [j rows, (j + 1) rows) from the array's offset, so a column's bias is one scalar.
 * Loaded reflectively by {@link Kernels} only when {@code jdk.incubator.vector} is present.
 */
final class VectorKernels implements Kernels.VectorOps {
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
        FloatVector a1 = FloatVector.broadcast(S, Kernels.TANH_A[0]);
        FloatVector a3 = FloatVector.broadcast(S, Kernels.TANH_A[1]);
        FloatVector a5 = FloatVector.broadcast(S, Kernels.TANH_A[2]);
        FloatVector a7 = FloatVector.broadcast(S, Kernels.TANH_A[3]);
        FloatVector a9 = FloatVector.broadcast(S, Kernels.TANH_A[4]);
        FloatVector a11 = FloatVector.broadcast(S, Kernels.TANH_A[5]);
        FloatVector a13 = FloatVector.broadcast(S, Kernels.TANH_A[6]);
        FloatVector b0 = FloatVector.broadcast(S, Kernels.TANH_B[0]);
        FloatVector b2 = FloatVector.broadcast(S, Kernels.TANH_B[1]);
        FloatVector b4 = FloatVector.broadcast(S, Kernels.TANH_B[2]);
        FloatVector b6 = FloatVector.broadcast(S, Kernels.TANH_B[3]);
        for (int j = 0; j < cols; j++) {
            float b = bias[j];
            int col = j * rows * 4;
            int i = 0;
            for (; i < bound; i += step) {
                int at = col + i * 4;
                FloatVector v = FloatVector.fromByteBuffer(S, zb, z0 + at, ORDER).add(b);
                // sigmoid(v) = (1 + tanh(v / 2)) / 2, tanh by a rational function of adds, multiplies
                // and one division (Kernels.TANH_A, Kernels.TANH_B), no exponential: the polynomial exponential
                // needs the Vector API's reinterpret casts, whose Java fallback (before C2 compiles
                // a kernel) passes heap buffers through the API's store method; the store's shared
                // type profile then names two buffer classes and C2 compiled this kernel's stores
                // to the allocating fallback in some JVMs (performance.md, seventh round). Written
                // out here, not in a helper: a helper taking vectors compiles without intrinsics.
                FloatVector h = v.mul(0.5f).max(-Kernels.TANH_CLAMP).min(Kernels.TANH_CLAMP);
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
    public void affine(INDArray out, double a, double[] x, double b, double[] s, int n) {
        ByteBuffer ob = bytes(out);
        int w = out.dataType().width();
        int o0 = (int) out.offset() * w;
        // one method per data type (see linearCombination)
        if (w == 4) {
            affineFloat(ob, o0, a, x, b, s, n);
        } else {
            affineDouble(ob, o0, a, x, b, s, n);
        }
    }

    private static void affineDouble(ByteBuffer ob, int o0, double a, double[] x, double b, double[] s, int n) {
        int step = D.length();
        int bound = D.loopBound(n);
        int i = 0;
        for (; i < bound; i += step) {
            DoubleVector.fromArray(D, s, i).mul(b).add(DoubleVector.fromArray(D, x, i).mul(a))
                    .intoByteBuffer(ob, o0 + i * 8, ORDER);
        }
        for (; i < n; i++) {
            ob.putDouble(o0 + i * 8, s[i] * b + x[i] * a);
        }
    }

    private static void affineFloat(ByteBuffer ob, int o0, double a, double[] x, double b, double[] s, int n) {
        int step = D.length();
        int bound = D.loopBound(n);
        int i = 0;
        for (; i < bound; i += step) {
            DoubleVector v = DoubleVector.fromArray(D, s, i).mul(b).add(DoubleVector.fromArray(D, x, i).mul(a));
            for (int l = 0; l < step; l++) {
                ob.putFloat(o0 + (i + l) * 4, (float) v.lane(l));
            }
        }
        for (; i < n; i++) {
            ob.putFloat(o0 + i * 4, (float) (s[i] * b + x[i] * a));
        }
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

    // The mixture kernel works on one vector of rows at a time in structure-of-arrays scratch
    // (coordinate q of lane l at [q lanes + l], component j at [j lanes + l]), in stage methods that
    // take and return arrays: vectors never cross a method boundary, so each stage is intrinsified
    // whatever C2 decides to inline (a large method loses its inlining past a node budget, and a
    // boxed vector is about ten times slower), and small loops reach C2 early.

    @Override
    public void mixtureDerivatives(double[] x, double[] v, double[] probeProducts, int d, int k, double[] meansT,
            double[] stdSq, double[] logWeights, double[] m, double[] s, int from, int to, double[] score,
            double[] hv, double[] laplacian, double[] quadratic) {
        // two separate kernels behind a small dispatcher, each compiled on its own profile
        if (d >= D.length()) {
            mixtureDerivativesRows(x, v, probeProducts, d, k, meansT, stdSq, logWeights, m, s, from, to, score, hv,
                    laplacian, quadratic);
        } else {
            mixtureDerivativesLanes(x, v, d, k, meansT, stdSq, logWeights, m, s, from, to, score, hv, laplacian,
                    quadratic);
        }
    }

    /** {@link #mixtureDerivatives} with rows across the lanes (d &lt; lanes). */
    private static void mixtureDerivativesLanes(double[] x, double[] v, int d, int k, double[] meansT,
            double[] stdSq, double[] logWeights, double[] m, double[] s, int from, int to, double[] score,
            double[] hv, double[] laplacian, double[] quadratic) {
        int lanes = D.length();
        // the quadratic form v . H v is taken from H v, computed into scratch when hv is not wanted
        boolean probe = hv != null || quadratic != null;
        double[] xs = new double[d * lanes];
        double[] vs = probe ? new double[d * lanes] : null;
        double[] ms = new double[lanes];
        double[] ss = new double[lanes];
        double[] cachedM = new double[lanes];
        double[] cachedS = new double[lanes];
        boolean cached = false;
        double[] invVar = new double[k * lanes];
        double[] logNorm = new double[k * lanes];
        double[] w = new double[k * lanes];
        double[] sq = new double[k * lanes];
        double[] max = new double[lanes];
        double[] c = new double[lanes];
        double[] acc = new double[Math.max(d, k) * lanes];
        double[] outS = new double[d * lanes];
        double[] outH = probe ? new double[d * lanes] : null;
        double[] outL = laplacian != null ? new double[lanes] : null;
        double[] outQ = quadratic != null ? new double[lanes] : null;
        int[] rowsApart = new int[lanes];
        for (int l = 0; l < lanes; l++) {
            rowsApart[l] = l * d;
        }
        // every row of an ODE or sampler step shares (m, s): then the lanes are loaded once
        boolean uniform = true;
        for (int b = from + 1; b < to && uniform; b++) {
            uniform = m[b] == m[from] && s[b] == s[from];
        }
        for (int b = from; b < to; b += lanes) {
            int n = Math.min(lanes, to - b);
            if (!uniform || !cached) {
                for (int l = 0; l < lanes; l++) {
                    boolean in = l < n;
                    // padding lanes get harmless values (m = s = 1, x = v = 0) and are never written back
                    ms[l] = in ? m[b + l] : 1;
                    ss[l] = in ? s[b + l] : 1;
                }
            }
            if (n == lanes) {
                gatherRows(x, b * d, d, rowsApart, xs);
                if (vs != null) {
                    gatherRows(v, b * d, d, rowsApart, vs);
                }
            } else {
                for (int l = 0; l < lanes; l++) {
                    boolean in = l < n;
                    for (int q = 0; q < d; q++) {
                        xs[q * lanes + l] = in ? x[(b + l) * d + q] : 0;
                        if (vs != null) {
                            vs[q * lanes + l] = in ? v[(b + l) * d + q] : 0;
                        }
                    }
                }
            }
            // 1 / v_j and the log-normalisers, kept while the coefficients repeat (every row of a
            // sampler step shares them)
            if (!cached || !uniform && (!java.util.Arrays.equals(ms, cachedM) || !java.util.Arrays.equals(ss, cachedS))) {
                mixtureCoefficients(ms, ss, stdSq, logWeights, d, k, invVar, logNorm);
                System.arraycopy(ms, 0, cachedM, 0, lanes);
                System.arraycopy(ss, 0, cachedS, 0, lanes);
                cached = true;
            }
            mixtureLogits(xs, ms, meansT, d, k, invVar, logNorm, w, sq, max);
            mixtureWeights(w, max, invVar, k, c);
            mixtureScore(w, meansT, xs, ms, c, d, k, outS);
            if (outL != null) {
                mixtureLaplacian(w, sq, invVar, c, outS, d, k, outL);
            }
            if (outH != null) {
                mixtureHv(w, invVar, meansT, xs, vs, ms, c, outS, d, k, acc, outH);
            }
            if (outQ != null) {
                laneDots(outH, vs, d, outQ);
                System.arraycopy(outQ, 0, quadratic, b, n);
            }
            if (n == lanes) {
                scatterRows(outS, d, rowsApart, score, b * d);
                if (hv != null) {
                    scatterRows(outH, d, rowsApart, hv, b * d);
                }
                if (outL != null) {
                    System.arraycopy(outL, 0, laplacian, b, lanes);
                }
                continue;
            }
            for (int l = 0; l < n; l++) {
                for (int q = 0; q < d; q++) {
                    score[(b + l) * d + q] = outS[q * lanes + l];
                    if (hv != null) {
                        hv[(b + l) * d + q] = outH[q * lanes + l];
                    }
                }
                if (outL != null) {
                    laplacian[b + l] = outL[l];
                }
            }
        }
    }

    // For d of at least a vector's lanes the rows are taken one at a time in their own layout:
    // products with the means are FMA loops of a broadcast value against a block of lanes (the
    // components, padded to whole vectors, for x . mu_j and v . mu_j; the coordinates for
    // sum_j w_j mu_j), with nothing gathered or transposed and the accumulators in registers.

    /**
     * v_b . mu_j for every row and the padded components, {@code [rows, kp]} (the layout
     * {@link #mixtureDerivativesRows} reads); null for d below a vector's lanes, where the lanes
     * kernel forms them in passing.
     */
    @Override
    public double[] mixtureProbeProducts(double[] v, int rows, int d, int k, double[] meansT) {
        int lanes = D.length();
        if (d < lanes) {
            return null;
        }
        int kp = paddedComponents(k);
        double[] meansTP = rowLayout(meansT, d, k, kp).meansTP;
        double[] out = new double[rows * kp];
        double[] p0 = new double[kp];
        double[] p1 = new double[kp];
        for (int b = 0; b < rows; b += 2) {
            int b1 = Math.min(b + 1, rows - 1);
            rowProducts(v, b * d, b1 * d, d, meansTP, kp, p0, p1);
            System.arraycopy(p0, 0, out, b * kp, kp);
            System.arraycopy(p1, 0, out, b1 * kp, kp);
        }
        return out;
    }

    /** The components padded to whole vectors: the row kernel's per-component layout. */
    private static int paddedComponents(int k) {
        int lanes = D.length();
        return (k + lanes - 1) / lanes * lanes;
    }

    /** {@link #mixtureDerivatives} one row at a time (d &gt;= lanes). */
    private static void mixtureDerivativesRows(double[] x, double[] v, double[] probeProducts, int d, int k,
            double[] meansT, double[] stdSq, double[] logWeights, double[] m, double[] s, int from, int to,
            double[] score, double[] hv, double[] laplacian, double[] quadratic) {
        int lanes = D.length();
        int kp = paddedComponents(k);
        RowLayout layout = rowLayout(meansT, d, k, kp);
        double[] meansTP = layout.meansTP;
        double[] means = layout.means;
        double[] meanSq = layout.meanSq;
        // rows go in pairs (an odd last row pairs with itself), each row of a pair with its own
        // coefficients and per-component scratch: slot 0 and slot 1
        // padding components: weight zero (log-normaliser -inf, 1 / v = 0)
        double[][] invVar = new double[2][kp];
        double[][] logNorm = new double[2][kp];
        java.util.Arrays.fill(logNorm[0], Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(logNorm[1], Double.NEGATIVE_INFINITY);
        double[][] g = new double[2][kp];
        double[][] p = new double[2][kp];
        double[][] w = new double[2][kp];
        double[][] sq = new double[2][kp];
        double[][] qw = new double[2][kp];
        double[] cachedM = {Double.NaN, Double.NaN};
        double[] cachedS = {Double.NaN, Double.NaN};
        double[] c = new double[2];
        double[] qSum = new double[2];
        double[] pairQuad = new double[2];
        double[] scoreSquares = new double[2];
        double[] pairLaplacian = new double[2];
        double[] sv = new double[2];
        int[] row = new int[2];
        for (int b = from; b < to; b += 2) {
            row[0] = b;
            row[1] = Math.min(b + 1, to - 1);
            for (int r = 0; r < 2; r++) {
                double mb = m[row[r]];
                double sb = s[row[r]];
                if (mb != cachedM[r] || sb != cachedS[r]) {
                    mixtureRowCoefficients(mb, sb, stdSq, logWeights, d, k, invVar[r], logNorm[r]);
                    cachedM[r] = mb;
                    cachedS[r] = sb;
                }
            }
            int at0 = row[0] * d;
            int at1 = row[1] * d;
            rowProducts(x, at0, at1, d, meansTP, kp, g[0], g[1]);
            rowWeights(g, meanSq, invVar, logNorm, kp, m[row[0]], m[row[1]], rowDot(x, at0, x, at0, d),
                    rowDot(x, at1, x, at1, d), w, sq, c);
            rowCombination(w[0], w[1], means, k, d, x, at0, at1, m[row[0]], m[row[1]], c[0], c[1], score,
                    laplacian != null ? scoreSquares : null);
            if (laplacian != null) {
                rowLaplacians(w, sq, invVar, kp, c, d, scoreSquares, pairLaplacian);
                laplacian[row[0]] = pairLaplacian[0];
                laplacian[row[1]] = pairLaplacian[1];
            }
            if (hv != null || quadratic != null) {
                if (probeProducts != null) {
                    System.arraycopy(probeProducts, row[0] * kp, p[0], 0, kp);
                    System.arraycopy(probeProducts, row[1] * kp, p[1], 0, kp);
                } else {
                    rowProducts(v, at0, at1, d, meansTP, kp, p[0], p[1]);
                }
                if (quadratic != null) {
                    // v . H v without forming H v, both rows of the pair at once
                    rowQuadraticForms(x, score, v, at0, at1, d, w, p, invVar, kp, m[row[0]], m[row[1]], c, pairQuad);
                    quadratic[row[0]] = pairQuad[0];
                    quadratic[row[1]] = pairQuad[1];
                }
                if (hv == null) {
                    continue;
                }
                for (int r = 0; r < 2; r++) {
                    int at = row[r] * d;
                    sv[r] = rowDot(score, at, v, at, d);
                    qSum[r] = rowHvWeights(w[r], p[r], invVar[r], kp, m[row[r]], rowDot(x, at, v, at, d), qw[r]);
                }
                // H v = m sum_j q_j mu_j - c v - (sum_j q_j) x - (S . v) S
                rowCombination(qw[0], qw[1], means, k, d, v, at0, at1, m[row[0]], m[row[1]], c[0], c[1], hv,
                        null);
                for (int r = 0; r < (row[1] != row[0] ? 2 : 1); r++) {
                    rowSubtract(hv, row[r] * d, x, score, row[r] * d, d, qSum[r], sv[r]);
                }
            }
        }
    }

    /**
     * The means in the row kernel's layouts: padded coordinate-major {@code meansTP[q kp + j]} (zero
     * means for the padding components), row-major {@code means[j d + q]} and |mu_j|^2, built from
     * a copy of {@code meansT}.
     */
    private record RowLayout(double[] meansT, int d, int k, double[] meansTP, double[] means, double[] meanSq) {
    }

    /** The last layout built: a likelihood solve calls the kernel hundreds of times with one mixture. */
    private static volatile RowLayout lastRowLayout;

    /**
     * The row layouts of these means: the last ones built when the values are the same (compared in
     * full, a few hundred nanoseconds for gmm-64, so a caller may reuse or change its array freely),
     * else new ones. Building them per call and per fork-join range cost about 18 KB each.
     */
    private static RowLayout rowLayout(double[] meansT, int d, int k, int kp) {
        RowLayout last = lastRowLayout;
        if (last != null && last.d == d && last.k == k && java.util.Arrays.equals(last.meansT, 0, d * k, meansT, 0,
                d * k)) {
            return last;
        }
        double[] meansTP = new double[d * kp];
        double[] means = new double[k * d];
        double[] meanSq = new double[kp];
        for (int q = 0; q < d; q++) {
            for (int j = 0; j < k; j++) {
                double mu = meansT[q * k + j];
                meansTP[q * kp + j] = mu;
                means[j * d + q] = mu;
                meanSq[j] += mu * mu;
            }
        }
        RowLayout built = new RowLayout(java.util.Arrays.copyOf(meansT, d * k), d, k, meansTP, means, meanSq);
        lastRowLayout = built;
        return built;
    }

    /** v_j = m^2 sigma_j^2 + s^2: invVar = 1 / v_j, logNorm = log w_j - d/2 log(2 pi v_j), for the k real components. */
    private static void mixtureRowCoefficients(double mb, double sb, double[] stdSq, double[] logWeights, int d, int k,
            double[] invVar, double[] logNorm) {
        double logTwoPi = Math.log(2 * Math.PI);
        for (int j = 0; j < k; j++) {
            double vk = mb * mb * stdSq[j] + sb * sb;
            invVar[j] = 1 / vk;
            logNorm[j] = logWeights[j] - 0.5 * d * (Math.log(vk) + logTwoPi);
        }
    }

    /**
     * g_j = y . mu_j and g1_j = y1 . mu_j for the rows of y at {@code at0} and {@code at1}, all kp
     * components (padded means [q kp + j]): each means vector loaded serves both rows, and four
     * accumulators keep the FMAs from waiting on each other's latency.
     */
    private static void rowProducts(double[] y, int at0, int at1, int d, double[] meansTP, int kp, double[] g0,
            double[] g1) {
        int lanes = D.length();
        int d2 = d & ~1;
        for (int c = 0; c < kp; c += lanes) {
            DoubleVector a0 = DoubleVector.zero(D);
            DoubleVector a1 = DoubleVector.zero(D);
            DoubleVector b0 = DoubleVector.zero(D);
            DoubleVector b1 = DoubleVector.zero(D);
            int q = 0;
            for (; q < d2; q += 2) {
                DoubleVector mu0 = DoubleVector.fromArray(D, meansTP, q * kp + c);
                DoubleVector mu1 = DoubleVector.fromArray(D, meansTP, (q + 1) * kp + c);
                a0 = mu0.fma(DoubleVector.broadcast(D, y[at0 + q]), a0);
                a1 = mu1.fma(DoubleVector.broadcast(D, y[at0 + q + 1]), a1);
                b0 = mu0.fma(DoubleVector.broadcast(D, y[at1 + q]), b0);
                b1 = mu1.fma(DoubleVector.broadcast(D, y[at1 + q + 1]), b1);
            }
            if (q < d) {
                DoubleVector mu0 = DoubleVector.fromArray(D, meansTP, q * kp + c);
                a0 = mu0.fma(DoubleVector.broadcast(D, y[at0 + q]), a0);
                b0 = mu0.fma(DoubleVector.broadcast(D, y[at1 + q]), b0);
            }
            a0.add(a1).intoArray(g0, c);
            b0.add(b1).intoArray(g1, c);
        }
    }

    /** a[ao..ao+d) . b[bo..bo+d). */
    private static double rowDot(double[] a, int ao, double[] b, int bo, int d) {
        int lanes = D.length();
        int bound = D.loopBound(d);
        DoubleVector acc = DoubleVector.zero(D);
        int q = 0;
        for (; q < bound; q += lanes) {
            acc = DoubleVector.fromArray(D, a, ao + q).fma(DoubleVector.fromArray(D, b, bo + q), acc);
        }
        double out = acc.reduceLanes(VectorOperators.ADD);
        for (; q < d; q++) {
            out += a[ao + q] * b[bo + q];
        }
        return out;
    }

    /**
     * For a pair of rows r = 0, 1 (slot r of each array): sq_j = |x - m mu_j|^2 = |x|^2 - 2 m g_j +
     * m^2 |mu_j|^2 (clamped at 0), the responsibilities r_j from the log-joints logNorm_j - sq_j /
     * (2 v_j), and w_j = r_j / v_j into w; c[r] = sum_j w_j. The two rows go through each stage
     * together, so that one row's reductions (the largest log-joint, the sums) overlap the other's
     * rather than waiting on their own latency. The exponent of a component more than 700 below a
     * row's largest is raised to -700 (e^-700 is about 1e-304 against the largest term's 1): the
     * Vector API's EXP takes a slow path for arguments whose result underflows, which components far
     * apart (gmm-64) hit in most lanes, and at 4 to 5 times the cost of the fast path.
     */
    private static void rowWeights(double[][] g, double[] meanSq, double[][] invVar, double[][] logNorm, int kp,
            double m0, double m1, double xx0, double xx1, double[][] w, double[][] sq, double[] c) {
        int lanes = D.length();
        DoubleVector zero = DoubleVector.zero(D);
        DoubleVector max0 = DoubleVector.broadcast(D, Double.NEGATIVE_INFINITY);
        DoubleVector max1 = max0;
        double[] g0 = g[0];
        double[] g1 = g[1];
        double[] w0 = w[0];
        double[] w1 = w[1];
        for (int j = 0; j < kp; j += lanes) {
            DoubleVector msq = DoubleVector.fromArray(D, meanSq, j);
            DoubleVector dist0 = msq.mul(m0 * m0).sub(DoubleVector.fromArray(D, g0, j).mul(2 * m0)).add(xx0).max(zero);
            DoubleVector dist1 = msq.mul(m1 * m1).sub(DoubleVector.fromArray(D, g1, j).mul(2 * m1)).add(xx1).max(zero);
            dist0.intoArray(sq[0], j);
            dist1.intoArray(sq[1], j);
            DoubleVector l0 = DoubleVector.fromArray(D, logNorm[0], j)
                    .sub(dist0.mul(DoubleVector.fromArray(D, invVar[0], j)).mul(0.5));
            DoubleVector l1 = DoubleVector.fromArray(D, logNorm[1], j)
                    .sub(dist1.mul(DoubleVector.fromArray(D, invVar[1], j)).mul(0.5));
            l0.intoArray(w0, j);
            l1.intoArray(w1, j);
            max0 = max0.max(l0);
            max1 = max1.max(l1);
        }
        double top0 = max0.reduceLanes(VectorOperators.MAX);
        double top1 = max1.reduceLanes(VectorOperators.MAX);
        DoubleVector sum0 = DoubleVector.zero(D);
        DoubleVector sum1 = DoubleVector.zero(D);
        for (int j = 0; j < kp; j += lanes) {
            DoubleVector e0 = DoubleVector.fromArray(D, w0, j).sub(top0).max(EXP_FLOOR).lanewise(VectorOperators.EXP);
            DoubleVector e1 = DoubleVector.fromArray(D, w1, j).sub(top1).max(EXP_FLOOR).lanewise(VectorOperators.EXP);
            e0.intoArray(w0, j);
            e1.intoArray(w1, j);
            sum0 = sum0.add(e0);
            sum1 = sum1.add(e1);
        }
        double inv0 = 1 / sum0.reduceLanes(VectorOperators.ADD);
        double inv1 = 1 / sum1.reduceLanes(VectorOperators.ADD);
        DoubleVector c0 = DoubleVector.zero(D);
        DoubleVector c1 = DoubleVector.zero(D);
        for (int j = 0; j < kp; j += lanes) {
            DoubleVector wj0 = DoubleVector.fromArray(D, w0, j).mul(inv0).mul(DoubleVector.fromArray(D, invVar[0], j));
            DoubleVector wj1 = DoubleVector.fromArray(D, w1, j).mul(inv1).mul(DoubleVector.fromArray(D, invVar[1], j));
            wj0.intoArray(w0, j);
            wj1.intoArray(w1, j);
            c0 = c0.add(wj0);
            c1 = c1.add(wj1);
        }
        c[0] = c0.reduceLanes(VectorOperators.ADD);
        c[1] = c1.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The floor of the mixture kernels' exponents (max-subtracted log-joints): e^-700 is about 1e-304,
     * nothing against the largest term (1), and the Vector API's EXP is 4 to 5 times slower on
     * arguments whose result underflows (docs/performance.md, twelfth round).
     */
    private static final double EXP_FLOOR = -700;

    /**
     * For the rows at {@code at0} and {@code at1}: out[at + q] = m sum_j w_j mu_j[q] - c y[at + q],
     * with each row's w, m and c (rows of means [j d + q]); each means vector loaded serves both
     * rows, four accumulators as in rowProducts. With {@code squares}, each row's |out|^2 into it
     * (slot 0 and 1), summed as the values are made.
     */
    private static void rowCombination(double[] w0, double[] w1, double[] means, int k, int d, double[] y, int at0,
            int at1, double m0, double m1, double c0, double c1, double[] out, double[] squares) {
        int lanes = D.length();
        int bound = D.loopBound(d);
        int k2 = k & ~1;
        DoubleVector sq0 = DoubleVector.zero(D);
        DoubleVector sq1 = sq0;
        int q = 0;
        for (; q < bound; q += lanes) {
            DoubleVector a0 = DoubleVector.zero(D);
            DoubleVector a1 = DoubleVector.zero(D);
            DoubleVector b0 = DoubleVector.zero(D);
            DoubleVector b1 = DoubleVector.zero(D);
            int j = 0;
            for (; j < k2; j += 2) {
                DoubleVector mu0 = DoubleVector.fromArray(D, means, j * d + q);
                DoubleVector mu1 = DoubleVector.fromArray(D, means, (j + 1) * d + q);
                a0 = mu0.fma(DoubleVector.broadcast(D, w0[j]), a0);
                a1 = mu1.fma(DoubleVector.broadcast(D, w0[j + 1]), a1);
                b0 = mu0.fma(DoubleVector.broadcast(D, w1[j]), b0);
                b1 = mu1.fma(DoubleVector.broadcast(D, w1[j + 1]), b1);
            }
            if (j < k) {
                DoubleVector mu0 = DoubleVector.fromArray(D, means, j * d + q);
                a0 = mu0.fma(DoubleVector.broadcast(D, w0[j]), a0);
                b0 = mu0.fma(DoubleVector.broadcast(D, w1[j]), b0);
            }
            DoubleVector o0 = a0.add(a1).mul(m0).sub(DoubleVector.fromArray(D, y, at0 + q).mul(c0));
            DoubleVector o1 = b0.add(b1).mul(m1).sub(DoubleVector.fromArray(D, y, at1 + q).mul(c1));
            o0.intoArray(out, at0 + q);
            o1.intoArray(out, at1 + q);
            sq0 = o0.fma(o0, sq0);
            sq1 = o1.fma(o1, sq1);
        }
        double s0 = 0;
        double s1 = 0;
        for (; q < d; q++) {
            double acc0 = 0;
            double acc1 = 0;
            for (int j = 0; j < k; j++) {
                double mu = means[j * d + q];
                acc0 += w0[j] * mu;
                acc1 += w1[j] * mu;
            }
            double o0 = m0 * acc0 - c0 * y[at0 + q];
            double o1 = m1 * acc1 - c1 * y[at1 + q];
            out[at0 + q] = o0;
            out[at1 + q] = o1;
            s0 += o0 * o0;
            s1 += o1 * o1;
        }
        if (squares != null) {
            squares[0] = sq0.reduceLanes(VectorOperators.ADD) + s0;
            squares[1] = sq1.reduceLanes(VectorOperators.ADD) + s1;
        }
    }

    /**
     * The Laplacians of a pair of rows (slot r of each array): sum_j r_j |u_j|^2 - d c - |S|^2 with
     * r_j |u_j|^2 = w_j sq_j / v_j and |S|^2 from {@code scoreSquares}.
     */
    private static void rowLaplacians(double[][] w, double[][] sq, double[][] invVar, int kp, double[] c, int d,
            double[] scoreSquares, double[] out) {
        int lanes = D.length();
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = acc0;
        for (int j = 0; j < kp; j += lanes) {
            acc0 = DoubleVector.fromArray(D, w[0], j).mul(DoubleVector.fromArray(D, sq[0], j))
                    .fma(DoubleVector.fromArray(D, invVar[0], j), acc0);
            acc1 = DoubleVector.fromArray(D, w[1], j).mul(DoubleVector.fromArray(D, sq[1], j))
                    .fma(DoubleVector.fromArray(D, invVar[1], j), acc1);
        }
        out[0] = acc0.reduceLanes(VectorOperators.ADD) - d * c[0] - scoreSquares[0];
        out[1] = acc1.reduceLanes(VectorOperators.ADD) - d * c[1] - scoreSquares[1];
    }

    /**
     * v . H v for the pair of rows at {@code at0} and {@code at1} (slot r of w, p, invVar and c):
     * sum_j w_j (m p_j - x . v)^2 / v_j - c |v|^2 - (S . v)^2, that is sum_j q_j (m p_j - x . v)
     * with H v's weights q_j ({@link #rowHvWeights}) folded in, without forming H v. The three dot
     * products of a row come from one pass over its v, and both rows' sums run side by side so that
     * their reductions overlap.
     */
    private static void rowQuadraticForms(double[] x, double[] score, double[] v, int at0, int at1, int d,
            double[][] w, double[][] p, double[][] invVar, int kp, double m0, double m1, double[] c, double[] out) {
        int lanes = D.length();
        int bound = D.loopBound(d);
        DoubleVector xv0 = DoubleVector.zero(D);
        DoubleVector sv0 = xv0;
        DoubleVector vv0 = xv0;
        DoubleVector xv1 = xv0;
        DoubleVector sv1 = xv0;
        DoubleVector vv1 = xv0;
        int q = 0;
        for (; q < bound; q += lanes) {
            DoubleVector va = DoubleVector.fromArray(D, v, at0 + q);
            DoubleVector vb = DoubleVector.fromArray(D, v, at1 + q);
            xv0 = DoubleVector.fromArray(D, x, at0 + q).fma(va, xv0);
            sv0 = DoubleVector.fromArray(D, score, at0 + q).fma(va, sv0);
            vv0 = va.fma(va, vv0);
            xv1 = DoubleVector.fromArray(D, x, at1 + q).fma(vb, xv1);
            sv1 = DoubleVector.fromArray(D, score, at1 + q).fma(vb, sv1);
            vv1 = vb.fma(vb, vv1);
        }
        double dxv0 = xv0.reduceLanes(VectorOperators.ADD);
        double dsv0 = sv0.reduceLanes(VectorOperators.ADD);
        double dvv0 = vv0.reduceLanes(VectorOperators.ADD);
        double dxv1 = xv1.reduceLanes(VectorOperators.ADD);
        double dsv1 = sv1.reduceLanes(VectorOperators.ADD);
        double dvv1 = vv1.reduceLanes(VectorOperators.ADD);
        for (; q < d; q++) {
            dxv0 += x[at0 + q] * v[at0 + q];
            dsv0 += score[at0 + q] * v[at0 + q];
            dvv0 += v[at0 + q] * v[at0 + q];
            dxv1 += x[at1 + q] * v[at1 + q];
            dsv1 += score[at1 + q] * v[at1 + q];
            dvv1 += v[at1 + q] * v[at1 + q];
        }
        DoubleVector f0 = DoubleVector.zero(D);
        DoubleVector f1 = f0;
        for (int j = 0; j < kp; j += lanes) {
            DoubleVector u0 = DoubleVector.fromArray(D, p[0], j).mul(m0).sub(dxv0);
            DoubleVector u1 = DoubleVector.fromArray(D, p[1], j).mul(m1).sub(dxv1);
            f0 = u0.mul(u0).mul(DoubleVector.fromArray(D, invVar[0], j)).fma(DoubleVector.fromArray(D, w[0], j), f0);
            f1 = u1.mul(u1).mul(DoubleVector.fromArray(D, invVar[1], j)).fma(DoubleVector.fromArray(D, w[1], j), f1);
        }
        out[0] = f0.reduceLanes(VectorOperators.ADD) - c[0] * dvv0 - dsv0 * dsv0;
        out[1] = f1.reduceLanes(VectorOperators.ADD) - c[1] * dvv1 - dsv1 * dsv1;
    }

    /** q_j = w_j (m p_j - x . v) / v_j into qw; returns sum_j q_j. */
    private static double rowHvWeights(double[] w, double[] p, double[] invVar, int kp, double mb, double xv,
            double[] qw) {
        int lanes = D.length();
        DoubleVector sum = DoubleVector.zero(D);
        for (int j = 0; j < kp; j += lanes) {
            DoubleVector qj = DoubleVector.fromArray(D, p, j).mul(mb).sub(xv).mul(DoubleVector.fromArray(D, w, j))
                    .mul(DoubleVector.fromArray(D, invVar, j));
            qj.intoArray(qw, j);
            sum = sum.add(qj);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** out[l] = sum_q a[q lanes + l] b[q lanes + l]: a dot product per lane (per row) of two row vectors. */
    private static void laneDots(double[] a, double[] b, int d, double[] out) {
        int lanes = D.length();
        DoubleVector acc = DoubleVector.zero(D);
        for (int q = 0; q < d; q++) {
            acc = DoubleVector.fromArray(D, a, q * lanes).fma(DoubleVector.fromArray(D, b, q * lanes), acc);
        }
        acc.intoArray(out, 0);
    }

    /** out[at + q] -= a x[at + q] + b s[at + q] for one row. */
    private static void rowSubtract(double[] out, int at, double[] x, double[] s, int so, int d, double a, double b) {
        int lanes = D.length();
        int bound = D.loopBound(d);
        int q = 0;
        for (; q < bound; q += lanes) {
            DoubleVector.fromArray(D, out, at + q).sub(DoubleVector.fromArray(D, x, at + q).mul(a))
                    .sub(DoubleVector.fromArray(D, s, so + q).mul(b)).intoArray(out, at + q);
        }
        for (; q < d; q++) {
            out[at + q] -= a * x[at + q] + b * s[so + q];
        }
    }

    /** xs[q lanes + l] = x[at + l d + q] for a whole vector of rows. */
    private static void gatherRows(double[] x, int at, int d, int[] rowsApart, double[] xs) {
        int lanes = D.length();
        for (int q = 0; q < d; q++) {
            DoubleVector.fromArray(D, x, at + q, rowsApart, 0).intoArray(xs, q * lanes);
        }
    }

    /** out[at + l d + q] = outS[q lanes + l] for a whole vector of rows. */
    private static void scatterRows(double[] outS, int d, int[] rowsApart, double[] out, int at) {
        int lanes = D.length();
        for (int q = 0; q < d; q++) {
            DoubleVector.fromArray(D, outS, q * lanes).intoArray(out, at + q, rowsApart, 0);
        }
    }

    /** v_j = m^2 sigma_j^2 + s^2: invVar = 1 / v_j, logNorm = log w_j - d/2 log(2 pi v_j). */
    private static void mixtureCoefficients(double[] ms, double[] ss, double[] stdSq, double[] logWeights, int d,
            int k, double[] invVar, double[] logNorm) {
        int lanes = D.length();
        DoubleVector mv = DoubleVector.fromArray(D, ms, 0);
        DoubleVector sv = DoubleVector.fromArray(D, ss, 0);
        DoubleVector m2 = mv.mul(mv);
        DoubleVector s2 = sv.mul(sv);
        DoubleVector one = DoubleVector.broadcast(D, 1.0);
        double logTwoPi = Math.log(2 * Math.PI);
        for (int j = 0; j < k; j++) {
            DoubleVector vk = m2.mul(stdSq[j]).add(s2);
            one.div(vk).intoArray(invVar, j * lanes);
            vk.lanewise(VectorOperators.LOG).add(logTwoPi).mul(-0.5 * d).add(logWeights[j])
                    .intoArray(logNorm, j * lanes);
        }
    }

    /** The log-joint of each component, lr_j = logNorm_j - |x - m mu_j|^2 / (2 v_j), its maximum, and sq_j = |x - m mu_j|^2. */
    private static void mixtureLogits(double[] xs, double[] ms, double[] meansT, int d, int k, double[] invVar,
            double[] logNorm, double[] lr, double[] sq, double[] maxOut) {
        int lanes = D.length();
        DoubleVector mv = DoubleVector.fromArray(D, ms, 0);
        DoubleVector max = DoubleVector.broadcast(D, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < k; j++) {
            DoubleVector dist = DoubleVector.zero(D);
            for (int q = 0; q < d; q++) {
                DoubleVector diff = DoubleVector.fromArray(D, xs, q * lanes).sub(mv.mul(meansT[q * k + j]));
                dist = diff.fma(diff, dist);
            }
            DoubleVector l = DoubleVector.fromArray(D, logNorm, j * lanes)
                    .sub(dist.mul(DoubleVector.fromArray(D, invVar, j * lanes)).mul(0.5));
            l.intoArray(lr, j * lanes);
            dist.intoArray(sq, j * lanes);
            max = max.max(l);
        }
        max.intoArray(maxOut, 0);
    }

    /** In place: lr_j becomes w_j = r_j / v_j (r_j the responsibilities); c = sum_j w_j. */
    private static void mixtureWeights(double[] lr, double[] maxIn, double[] invVar, int k, double[] cOut) {
        int lanes = D.length();
        DoubleVector max = DoubleVector.fromArray(D, maxIn, 0);
        DoubleVector sum = DoubleVector.zero(D);
        for (int j = 0; j < k; j++) {
            DoubleVector e = DoubleVector.fromArray(D, lr, j * lanes).sub(max).max(EXP_FLOOR)
                    .lanewise(VectorOperators.EXP);
            e.intoArray(lr, j * lanes);
            sum = sum.add(e);
        }
        DoubleVector inv = DoubleVector.broadcast(D, 1.0).div(sum);
        DoubleVector c = DoubleVector.zero(D);
        for (int j = 0; j < k; j++) {
            DoubleVector wj = DoubleVector.fromArray(D, lr, j * lanes).mul(inv)
                    .mul(DoubleVector.fromArray(D, invVar, j * lanes));
            wj.intoArray(lr, j * lanes);
            c = c.add(wj);
        }
        c.intoArray(cOut, 0);
    }

    /** S = m sum_j w_j mu_j - c x. */
    private static void mixtureScore(double[] w, double[] meansT, double[] xs, double[] ms, double[] c, int d, int k,
            double[] outS) {
        int lanes = D.length();
        DoubleVector mv = DoubleVector.fromArray(D, ms, 0);
        DoubleVector cv = DoubleVector.fromArray(D, c, 0);
        // one coordinate at a time, its sum over the components in a register (the weights are
        // reloaded from L1 for each coordinate; a sum kept in memory would chain every add
        // through a store and a load)
        for (int q = 0; q < d; q++) {
            DoubleVector sum = DoubleVector.zero(D);
            for (int j = 0; j < k; j++) {
                sum = DoubleVector.fromArray(D, w, j * lanes).mul(meansT[q * k + j]).add(sum);
            }
            sum.mul(mv).sub(cv.mul(DoubleVector.fromArray(D, xs, q * lanes))).intoArray(outS, q * lanes);
        }
    }

    /** Laplacian = sum_j r_j |u_j|^2 - d c - |S|^2, with r_j |u_j|^2 = w_j sq_j / v_j. */
    private static void mixtureLaplacian(double[] w, double[] sq, double[] invVar, double[] c, double[] outS, int d,
            int k, double[] outL) {
        int lanes = D.length();
        DoubleVector acc = DoubleVector.zero(D);
        for (int j = 0; j < k; j++) {
            acc = DoubleVector.fromArray(D, w, j * lanes).mul(DoubleVector.fromArray(D, sq, j * lanes))
                    .mul(DoubleVector.fromArray(D, invVar, j * lanes)).add(acc);
        }
        DoubleVector norm = DoubleVector.zero(D);
        for (int q = 0; q < d; q++) {
            DoubleVector sv = DoubleVector.fromArray(D, outS, q * lanes);
            norm = sv.fma(sv, norm);
        }
        acc.sub(DoubleVector.fromArray(D, c, 0).mul(d)).sub(norm).intoArray(outL, 0);
    }

    /**
     * H v = m sum_j q_j mu_j - c v - x sum_j q_j - S (S . v), with
     * q_j = r_j (u_j . v) / v_j = w_j (m mu_j . v - x . v) / v_j (acc is scratch of k vectors).
     */
    private static void mixtureHv(double[] w, double[] invVar, double[] meansT, double[] xs, double[] vs, double[] ms,
            double[] c, double[] outS, int d, int k, double[] acc, double[] outH) {
        int lanes = D.length();
        DoubleVector mv = DoubleVector.fromArray(D, ms, 0);
        DoubleVector xDotV = DoubleVector.zero(D);
        DoubleVector sDotV = DoubleVector.zero(D);
        for (int q = 0; q < d; q++) {
            DoubleVector vq = DoubleVector.fromArray(D, vs, q * lanes);
            xDotV = DoubleVector.fromArray(D, xs, q * lanes).fma(vq, xDotV);
            sDotV = DoubleVector.fromArray(D, outS, q * lanes).fma(vq, sDotV);
        }
        // q_j into acc (k vectors), then each coordinate's sum over the components in a register
        DoubleVector qSum = DoubleVector.zero(D);
        for (int j = 0; j < k; j++) {
            DoubleVector p = DoubleVector.zero(D);
            for (int q = 0; q < d; q++) {
                p = DoubleVector.fromArray(D, vs, q * lanes).mul(meansT[q * k + j]).add(p);
            }
            DoubleVector qj = mv.mul(p).sub(xDotV).mul(DoubleVector.fromArray(D, w, j * lanes))
                    .mul(DoubleVector.fromArray(D, invVar, j * lanes));
            qSum = qSum.add(qj);
            qj.intoArray(acc, j * lanes);
        }
        DoubleVector cv = DoubleVector.fromArray(D, c, 0);
        for (int q = 0; q < d; q++) {
            DoubleVector sum = DoubleVector.zero(D);
            for (int j = 0; j < k; j++) {
                sum = DoubleVector.fromArray(D, acc, j * lanes).mul(meansT[q * k + j]).add(sum);
            }
            sum.mul(mv)
                    .sub(cv.mul(DoubleVector.fromArray(D, vs, q * lanes)))
                    .sub(qSum.mul(DoubleVector.fromArray(D, xs, q * lanes)))
                    .sub(sDotV.mul(DoubleVector.fromArray(D, outS, q * lanes)))
                    .intoArray(outH, q * lanes);
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

    // The float32 score kernel: the same structure as mixtureDerivatives, with twice the lanes. The
    // score is summed as sum_j w_j (m mu_j - x), without the cancellation of m sum_j w_j mu_j - c x,
    // so float32 arithmetic keeps the output's precision.

    @Override
    public void mixtureScoreFloat(float[] x, int d, int k, float[] meansT, float[] stdSq, float[] logWeights,
            double[] m, double[] s, int from, int to, float[] score) {
        int lanes = S.length();
        float[] xs = new float[d * lanes];
        float[] ms = new float[lanes];
        float[] ss = new float[lanes];
        float[] cachedM = new float[lanes];
        float[] cachedS = new float[lanes];
        boolean cached = false;
        float[] invVar = new float[k * lanes];
        float[] logNorm = new float[k * lanes];
        float[] w = new float[k * lanes];
        float[] outS = new float[d * lanes];
        // rows l d apart: whole vectors of rows are gathered and scattered by index
        int[] rowsApart = new int[lanes];
        for (int l = 0; l < lanes; l++) {
            rowsApart[l] = l * d;
        }
        // a sampler step gives every row the same time (m and s of length 1, or equal values): the
        // coefficients are then computed once
        boolean shared = m.length == 1;
        boolean uniform = true;
        for (int b = from + 1; b < to && uniform && !shared; b++) {
            uniform = m[b] == m[from] && s[b] == s[from];
        }
        for (int b = from; b < to; b += lanes) {
            int n = Math.min(lanes, to - b);
            if (!uniform || !cached) {
                for (int l = 0; l < lanes; l++) {
                    boolean in = l < n;
                    ms[l] = in ? (float) m[shared ? 0 : b + l] : 1f;
                    ss[l] = in ? (float) s[shared ? 0 : b + l] : 1f;
                }
            }
            if (n == lanes) {
                gatherRows(x, b * d, d, rowsApart, xs);
            } else {
                for (int l = 0; l < lanes; l++) {
                    for (int q = 0; q < d; q++) {
                        xs[q * lanes + l] = l < n ? x[(b + l) * d + q] : 0f;
                    }
                }
            }
            if (!cached || !uniform && (!java.util.Arrays.equals(ms, cachedM) || !java.util.Arrays.equals(ss, cachedS))) {
                mixtureCoefficientsFloat(ms, ss, stdSq, logWeights, d, k, invVar, logNorm);
                System.arraycopy(ms, 0, cachedM, 0, lanes);
                System.arraycopy(ss, 0, cachedS, 0, lanes);
                cached = true;
            }
            mixtureWeightsFloat(xs, ms, meansT, d, k, invVar, logNorm, w);
            mixtureScoreSumFloat(w, meansT, xs, ms, d, k, outS);
            if (n == lanes) {
                scatterRows(outS, d, rowsApart, score, b * d);
            } else {
                for (int l = 0; l < n; l++) {
                    int row = (b + l) * d;
                    for (int q = 0; q < d; q++) {
                        score[row + q] = outS[q * lanes + l];
                    }
                }
            }
        }
    }

    /** xs[q lanes + l] = x[at + l d + q] for a whole vector of rows. */
    private static void gatherRows(float[] x, int at, int d, int[] rowsApart, float[] xs) {
        int lanes = S.length();
        for (int q = 0; q < d; q++) {
            FloatVector.fromArray(S, x, at + q, rowsApart, 0).intoArray(xs, q * lanes);
        }
    }

    /** out[at + l d + q] = outS[q lanes + l] for a whole vector of rows. */
    private static void scatterRows(float[] outS, int d, int[] rowsApart, float[] out, int at) {
        int lanes = S.length();
        for (int q = 0; q < d; q++) {
            FloatVector.fromArray(S, outS, q * lanes).intoArray(out, at + q, rowsApart, 0);
        }
    }

    /**
     * v_j = m^2 sigma_j^2 + s^2: invVar = 1 / v_j, logNorm = log w_j - d/2 log(2 pi v_j), the logarithm
     * in scalar double code (the same in every JIT tier; the lanes repeat while the times do).
     */
    private static void mixtureCoefficientsFloat(float[] ms, float[] ss, float[] stdSq, float[] logWeights, int d,
            int k, float[] invVar, float[] logNorm) {
        int lanes = S.length();
        FloatVector mv = FloatVector.fromArray(S, ms, 0);
        FloatVector sv = FloatVector.fromArray(S, ss, 0);
        FloatVector m2 = mv.mul(mv);
        FloatVector s2 = sv.mul(sv);
        FloatVector one = FloatVector.broadcast(S, 1f);
        double logTwoPi = Math.log(2 * Math.PI);
        for (int j = 0; j < k; j++) {
            FloatVector vk = m2.mul(stdSq[j]).add(s2);
            one.div(vk).intoArray(invVar, j * lanes);
            vk.intoArray(logNorm, j * lanes);
            for (int l = 0; l < lanes; l++) {
                int i = j * lanes + l;
                logNorm[i] = (float) (logWeights[j] - 0.5 * d * (logTwoPi + Math.log(logNorm[i])));
            }
        }
    }

    static final float LOG2E = 1.44269504f;
    private static final float LN2 = 0.693147181f;
    /** 2^23 + 1: Veltkamp's splitting constant that rounds a float to its leading bit. */
    private static final float VELTKAMP_2_23 = 8388609f;
    static final float LN2_HI = 0.693145752f;
    static final float LN2_LO = 1.42860677e-6f;
    /** 1.5 2^23: adding it rounds a float below 2^22 in magnitude to an integer. */
    static final float ROUNDER = 12582912f;

    /**
     * e^x for x &lt;= 0 in float32: 2^n times a degree-6 polynomial on |r| &lt;= ln2 / 2 (relative
     * error about 2e-7), the polynomial from adds, multiplies and fused multiply-adds, 2^n exact:
     * unlike the Vector API's EXP, whose compiled and interpreted forms differ in the last bit,
     * every JIT tier gives the same value, so samples do not depend on when the JIT compiled the
     * kernel. Below -87 it returns e^-87 (about 1.6e-38) rather than 0. In place over
     * {@code a[from, to)}, a whole number of vectors. On arrays, not vectors: see the comment in
     * {@link #biasSilu}.
     */
    static void expNonPositiveInPlace(float[] a, int from, int to) {
        int lanes = S.length();
        FloatVector lnHi = FloatVector.broadcast(S, LN2_HI);
        FloatVector lnLo = FloatVector.broadcast(S, LN2_LO);
        FloatVector c6 = FloatVector.broadcast(S, 1f / 6);
        FloatVector c24 = FloatVector.broadcast(S, 1f / 24);
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = from; i < to; i += lanes) {
            FloatVector c = FloatVector.fromArray(S, a, i).max(-87f);
            FloatVector nv = c.mul(LOG2E).add(ROUNDER).sub(ROUNDER);
            FloatVector r = nv.neg().fma(lnHi, c);
            r = nv.neg().fma(lnLo, r);
            FloatVector p = r.fma(1f / 720, 1f / 120);
            p = p.fma(r, c24);
            p = p.fma(r, c6);
            p = p.fma(r, half);
            p = p.fma(r, one);
            p = p.fma(r, one);
            // 2^n, n an integer in [-126, 0], from adds and multiplies only (the reinterpret casts
            // that would build it from its exponent bits run Java code that disturbs the API's
            // stores, see biasSilu; the API's EXP is a library call that cost as much as the rest):
            // with y = n ln2 / 256, q = 1 + y + y^2/2 + y^3/6 and q^256 (eight squarings) is within
            // 14% of 2^n (ln error about 256 y^4 / 24, at most 0.15 at n = -126; the squarings'
            // rounding about 1e-5), and Veltkamp's splitting with sigma = 2^23 + 1 rounds it to its
            // leading bit, which is exactly 2^n in every JIT tier (anything in [0.75, 1.5) 2^n
            // rounds to 2^n; checked for every n, compiled and interpreted)
            FloatVector y = nv.mul(LN2 / 256);
            FloatVector q = y.fma(c6, half).fma(y, one).fma(y, one);
            q = q.mul(q);
            q = q.mul(q);
            q = q.mul(q);
            q = q.mul(q);
            q = q.mul(q);
            q = q.mul(q);
            q = q.mul(q);
            q = q.mul(q);
            FloatVector g = q.mul(VELTKAMP_2_23);
            FloatVector pow = g.add(q.sub(g));
            p.mul(pow).intoArray(a, i);
        }
    }

    /** w_j = r_j / v_j, r_j the responsibilities (a max-subtracted softmax of the log-joints). */
    private static void mixtureWeightsFloat(float[] xs, float[] ms, float[] meansT, int d, int k, float[] invVar,
            float[] logNorm, float[] w) {
        int lanes = S.length();
        FloatVector mv = FloatVector.fromArray(S, ms, 0);
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < k; j++) {
            FloatVector dist = FloatVector.zero(S);
            for (int q = 0; q < d; q++) {
                FloatVector diff = FloatVector.fromArray(S, xs, q * lanes).sub(mv.mul(meansT[q * k + j]));
                dist = diff.fma(diff, dist);
            }
            FloatVector l = FloatVector.fromArray(S, logNorm, j * lanes)
                    .sub(dist.mul(FloatVector.fromArray(S, invVar, j * lanes)).mul(0.5f));
            l.intoArray(w, j * lanes);
            max = max.max(l);
        }
        for (int j = 0; j < k; j++) {
            FloatVector.fromArray(S, w, j * lanes).sub(max).intoArray(w, j * lanes);
        }
        expNonPositiveInPlace(w, 0, k * lanes);
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < k; j++) {
            sum = sum.add(FloatVector.fromArray(S, w, j * lanes));
        }
        FloatVector inv = FloatVector.broadcast(S, 1f).div(sum);
        for (int j = 0; j < k; j++) {
            FloatVector.fromArray(S, w, j * lanes).mul(inv).mul(FloatVector.fromArray(S, invVar, j * lanes))
                    .intoArray(w, j * lanes);
        }
    }

    /** S_q = sum_j w_j (m mu_jq - x_q). */
    private static void mixtureScoreSumFloat(float[] w, float[] meansT, float[] xs, float[] ms, int d, int k,
            float[] outS) {
        int lanes = S.length();
        FloatVector mv = FloatVector.fromArray(S, ms, 0);
        for (int q = 0; q < d; q++) {
            FloatVector xq = FloatVector.fromArray(S, xs, q * lanes);
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < k; j++) {
                FloatVector diff = mv.mul(meansT[q * k + j]).sub(xq);
                acc = FloatVector.fromArray(S, w, j * lanes).fma(diff, acc);
            }
            acc.intoArray(outS, q * lanes);
        }
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
