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
 * The Vector API form of the counter-based Gaussian fill of {@code RandomSource}: Marsaglia's polar
 * method on SplitMix64 hashes, eight rows at a time where 64-bit lane multiplies are single
 * instructions (AVX-512).
 */
final class VectorGaussianPairs {
    private VectorGaussianPairs() {
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

    static boolean gaussianPairs(long key, long golden, long saltGauss, long saltUniform, long saltStream,
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
}
