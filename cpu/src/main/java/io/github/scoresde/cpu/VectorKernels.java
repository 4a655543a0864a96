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
import org.bytedeco.javacpp.FloatPointer;
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

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    /**
     * The float index of example b's first value in an array {@code [batch, ...]} whose examples
     * are each contiguous but may lie apart (a channel slice of a larger array).
     */
    static long exampleStart(INDArray a, int b, int perExample) {
        return a.offset() + (long) b * (a.size(0) == 1 ? perExample : a.stride(0));
    }

    /** The array's native memory as a buffer in the platform's byte order (not kept alive by the buffer). */
    static ByteBuffer bytes(INDArray a) {
        return a.data().asNio().order(ORDER);
    }

    /** cblas_sgemm's enum values (cblas.h). */
    private static final int COL_MAJOR = 102;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, INDArray a, int lda, INDArray b, int ldb,
            INDArray c, int ldc) {
        // an array's address pointer starts at its first element (its offset included)
        org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm(COL_MAJOR, transA ? TRANS : NO_TRANS,
                transB ? TRANS : NO_TRANS, m, n, k, 1f, new FloatPointer(a.data().addressPointer()), lda,
                new FloatPointer(b.data().addressPointer()), ldb, 0f, new FloatPointer(c.data().addressPointer()), ldc);
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
                // to the allocating fallback in some JVMs (docs/performance.md). Written
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

    @Override
    public void adam(INDArray g, INDArray m, INDArray v, float alpha, float beta1, float beta2, float eps, float scale,
            INDArray params, int n) {
        ByteBuffer gb = bytes(g);
        ByteBuffer mb = bytes(m);
        ByteBuffer vb = bytes(v);
        ByteBuffer pb = params == null ? null : bytes(params);
        int g0 = (int) g.offset() * 4;
        int m0 = (int) m.offset() * 4;
        int v0 = (int) v.offset() * 4;
        int p0 = params == null ? 0 : (int) params.offset() * 4;
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
            FloatVector update = mv.mul(alpha).div(vv.lanewise(VectorOperators.SQRT).add(eps));
            if (pb == null) {
                update.intoByteBuffer(gb, g0 + i * 4, ORDER);
            } else {
                FloatVector.fromByteBuffer(S, pb, p0 + i * 4, ORDER).sub(update).intoByteBuffer(pb, p0 + i * 4, ORDER);
            }
        }
        for (; i < n; i++) {
            float gv = gb.getFloat(g0 + i * 4) * scale;
            float mv = mb.getFloat(m0 + i * 4) * beta1 + gv * c1;
            float vv = vb.getFloat(v0 + i * 4) * beta2 + gv * gv * c2;
            mb.putFloat(m0 + i * 4, mv);
            vb.putFloat(v0 + i * 4, vv);
            float update = mv * alpha / ((float) Math.sqrt(vv) + eps);
            if (pb == null) {
                gb.putFloat(g0 + i * 4, update);
            } else {
                pb.putFloat(p0 + i * 4, pb.getFloat(p0 + i * 4) - update);
            }
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
    static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

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

    @Override
    public void linearCombination(INDArray out, double yScale, INDArray y, double h, double[] a, INDArray[] k, int n) {
        VectorSolverKernels.linearCombination(out, yScale, y, h, a, k, n);
    }

    @Override
    public double scaledErrorRms(INDArray y, INDArray yNew, double rtol, double atol, double h, double[] e,
            INDArray[] k, int n) {
        return VectorSolverKernels.scaledErrorRms(y, yNew, rtol, atol, h, e, k, n);
    }

    @Override
    public double meanRowNorm(float[] a, int rows, int per) {
        return VectorSolverKernels.meanRowNorm(a, rows, per);
    }

    @Override
    public boolean gaussianPairs(long key, long golden, long saltGauss, long saltUniform, long saltStream,
            long firstIndex, int perRow, int from, int to, double[] outD, float[] outF) {
        return VectorGaussianPairs.gaussianPairs(key, golden, saltGauss, saltUniform, saltStream, firstIndex, perRow,
                from, to, outD, outF);
    }

    @Override
    public float[] groupNormSilu(INDArray input, float[] shift, float[] gamma, float[] beta, int groups, float eps,
            INDArray output, INDArray sigmoid, int batch, int channels, int positions) {
        return VectorGroupNorm.forward(input, shift, gamma, beta, groups, eps, output, sigmoid, batch, channels,
                positions);
    }

    @Override
    public void groupNormSiluBackward(INDArray input, float[] shift, float[] gamma, float[] beta, int groups,
            float[] stats, INDArray sigmoid, INDArray gradOutput, INDArray gradInput, double[] gradShift,
            double[] gradGamma, double[] gradBeta, int batch, int channels, int positions) {
        VectorGroupNorm.backward(input, shift, gamma, beta, groups, stats, sigmoid, gradOutput, gradInput, gradShift,
                gradGamma, gradBeta, batch, channels, positions);
    }

    @Override
    public void narrowConv(INDArray image, float[] weights, INDArray features) {
        VectorNarrowConv.conv(image, weights, features);
    }

    @Override
    public void narrowConvTranspose(INDArray features, float[] weights, float[] bias, INDArray image) {
        VectorNarrowConv.convTranspose(features, weights, bias, image);
    }

    @Override
    public double[] narrowConvWeightGradient(INDArray image, INDArray features) {
        return VectorNarrowConv.weightGradient(image, features);
    }

    @Override
    public void addInto(INDArray target, INDArray source, int batch, int perExample) {
        ByteBuffer tb = bytes(target);
        ByteBuffer sb = bytes(source);
        int step = S.length();
        int bound = S.loopBound(perExample);
        for (int b = 0; b < batch; b++) {
            int t0 = (int) (exampleStart(target, b, perExample) * 4);
            int s0 = (int) (exampleStart(source, b, perExample) * 4);
            int i = 0;
            for (; i < bound; i += step) {
                FloatVector.fromByteBuffer(S, tb, t0 + i * 4, ORDER)
                        .add(FloatVector.fromByteBuffer(S, sb, s0 + i * 4, ORDER)).intoByteBuffer(tb, t0 + i * 4, ORDER);
            }
            for (; i < perExample; i++) {
                tb.putFloat(t0 + i * 4, tb.getFloat(t0 + i * 4) + sb.getFloat(s0 + i * 4));
            }
        }
    }
}
