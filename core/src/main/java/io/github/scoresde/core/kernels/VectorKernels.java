package io.github.scoresde.core.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
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
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int j = 0; j < cols; j++) {
            float b = bias[j];
            int col = j * rows * 4;
            int i = 0;
            for (; i < bound; i += step) {
                int at = col + i * 4;
                FloatVector v = FloatVector.fromByteBuffer(S, zb, z0 + at, ORDER).add(b);
                FloatVector s = one.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                if (db != null) {
                    // SiLU'(v) = s (1 + v (1 - s))
                    s.mul(v.mul(s.neg().add(1f)).add(1f)).intoByteBuffer(db, d0 + at, ORDER);
                }
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
    public boolean mixtureResponsibilities(double[] x, int d, int k, double[] meansT, double[] meanSq, double[] var,
            double[] logNorm, double m, int from, int to, double[] v, double[] dist2, double[] r, double[] a,
            double[] c) {
        // whole vectors of a constant species only: masked loads and reductions, and species that
        // are not compile-time constants, are not intrinsified in Java 17
        if (k % D.length() != 0) {
            return false;
        }
        VectorSpecies<Double> sp = D;
        int step = sp.length();
        for (int b = from; b < to; b++) {
            int row = b * k;
            double xx = 0;
            for (int q = 0; q < d; q++) {
                xx += x[b * d + q] * x[b * d + q];
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j += step) {
                DoubleVector g = DoubleVector.zero(sp);
                for (int q = 0; q < d; q++) {
                    g = DoubleVector.fromArray(sp, meansT, q * k + j).mul(x[b * d + q]).add(g);
                }
                DoubleVector vk = DoubleVector.fromArray(sp, var, j);
                DoubleVector sq = DoubleVector.fromArray(sp, meanSq, j).mul(m * m).sub(g.mul(2 * m)).add(xx).max(0.0);
                DoubleVector lr = DoubleVector.fromArray(sp, logNorm, j).sub(sq.div(vk.mul(2.0)));
                vk.intoArray(v, row + j);
                sq.intoArray(dist2, row + j);
                lr.intoArray(r, row + j);
                max = Math.max(max, lr.reduceLanes(VectorOperators.MAX));
            }
            double sum = 0;
            for (int j = 0; j < k; j += step) {
                DoubleVector e = DoubleVector.fromArray(sp, r, row + j).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(r, row + j);
                sum += e.reduceLanes(VectorOperators.ADD);
            }
            double inv = 1 / sum;
            double cb = 0;
            for (int j = 0; j < k; j += step) {
                DoubleVector rr = DoubleVector.fromArray(sp, r, row + j).mul(inv);
                DoubleVector rv = rr.div(DoubleVector.fromArray(sp, v, row + j));
                rr.intoArray(r, row + j);
                rv.mul(m).intoArray(a, row + j);
                cb += rv.reduceLanes(VectorOperators.ADD);
            }
            c[b] = cb;
        }
        return true;
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
