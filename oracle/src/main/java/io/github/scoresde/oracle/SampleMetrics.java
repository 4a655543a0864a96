package io.github.scoresde.oracle;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sample-quality metrics for comparing samplers against exact draws (BENCHMARKS.md, B3). All
 * take sample sets of shape {@code [n, d]} and compute in double precision.
 */
public final class SampleMetrics {
    /** The number of random directions of BENCHMARKS.md. */
    public static final int DEFAULT_DIRECTIONS = 512;

    private SampleMetrics() {
    }

    /**
     * Sliced Wasserstein-1 distance: the mean over random unit directions v of the 1-D
     * Wasserstein-1 distance between the projections a v and b v, i.e. the mean absolute
     * difference of their sorted values. Directions are normalised standard normal draws from
     * {@code RandomSource.of(seed)}.
     *
     * @param a samples {@code [n, d]}
     * @param b samples {@code [n, d]}, the same n and d
     * @param directions the number of random directions, &gt;= 1
     */
    public static double slicedWasserstein1(INDArray a, INDArray b, int directions, long seed) {
        int n = checkSet("a", a);
        int m = checkSet("b", b);
        Checks.positive("directions", directions);
        if (n != m || a.size(1) != b.size(1)) {
            throw new IllegalArgumentException("a and b must have the same shape; got " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        int d = (int) a.size(1);
        INDArray dirs = RandomSource.of(seed).gaussian(DataType.DOUBLE, 0, directions, d);
        dirs.diviColumnVector(dirs.norm2(1).reshape(directions, 1));
        // projections [directions, n]: each direction's values contiguous
        double[] pa = Checks.flat(dirs.mmul(a.castTo(DataType.DOUBLE).transpose()));
        double[] pb = Checks.flat(dirs.mmul(b.castTo(DataType.DOUBLE).transpose()));
        double total = 0;
        for (int k = 0; k < directions; k++) {
            Arrays.sort(pa, k * n, (k + 1) * n);
            Arrays.sort(pb, k * n, (k + 1) * n);
            double s = 0;
            for (int i = k * n; i < (k + 1) * n; i++) {
                s += Math.abs(pa[i] - pb[i]);
            }
            total += s / n;
        }
        return total / directions;
    }

    /** {@link #slicedWasserstein1(INDArray, INDArray, int, long)} with 512 directions and seed 0. */
    public static double slicedWasserstein1(INDArray a, INDArray b) {
        return slicedWasserstein1(a, b, DEFAULT_DIRECTIONS, 0);
    }

    /**
     * Mode-weight error: each sample is assigned to its nearest centre (Euclidean); the result is
     * the largest |fraction_k - w_k| over the mixture's components (w_k its weights).
     */
    public static double modeWeightError(INDArray x, GaussianMixture mixture) {
        double[] w = new double[mixture.components()];
        for (int k = 0; k < w.length; k++) {
            w[k] = mixture.weight(k);
        }
        return maxAbsDiff(modeFractions(x, mixture.means(DataType.DOUBLE)), w);
    }

    /** The fraction of samples nearest to each centre ({@code centres} is {@code [K, d]}). */
    public static double[] modeFractions(INDArray x, INDArray centres) {
        int n = checkSet("x", x);
        if (centres.rank() != 2 || centres.size(1) != x.size(1)) {
            throw new IllegalArgumentException("centres must have shape [K, " + x.size(1) + "]; got "
                    + Arrays.toString(centres.shape()));
        }
        int k = (int) centres.size(0);
        INDArray x64 = x.castTo(DataType.DOUBLE);
        INDArray c64 = centres.castTo(DataType.DOUBLE);
        double[] dot = Checks.flat(x64.mmul(c64.transpose()));
        double[] cc = c64.mul(c64).sum(1).toDoubleVector();
        double[] counts = new double[k];
        for (int i = 0; i < n; i++) {
            int best = 0;
            double bestD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                double dist = cc[j] - 2 * dot[i * k + j];
                if (dist < bestD) {
                    bestD = dist;
                    best = j;
                }
            }
            counts[best]++;
        }
        for (int j = 0; j < k; j++) {
            counts[j] /= n;
        }
        return counts;
    }

    /**
     * The unbiased estimate of the squared maximum mean discrepancy with a Gaussian kernel
     * k(x, y) = exp(-|x - y|^2 / (2 bandwidth^2)) (Gretton et al., JMLR 2012). Costs O(n^2 d);
     * may be slightly negative when the distributions agree.
     */
    public static double mmdSquared(INDArray a, INDArray b, double bandwidth) {
        int n = checkSet("a", a);
        int m = checkSet("b", b);
        Checks.positive("bandwidth", bandwidth);
        if (a.size(1) != b.size(1)) {
            throw new IllegalArgumentException("a and b must have the same dimension; got " + a.size(1) + " and "
                    + b.size(1));
        }
        if (n < 2 || m < 2) {
            throw new IllegalArgumentException("mmdSquared needs at least two samples in each set; got " + n + " and " + m);
        }
        INDArray a64 = a.castTo(DataType.DOUBLE);
        INDArray b64 = b.castTo(DataType.DOUBLE);
        double gamma = 1 / (2 * bandwidth * bandwidth);
        double aa = (kernelSum(a64, a64, gamma) - n) / ((double) n * (n - 1));
        double bb = (kernelSum(b64, b64, gamma) - m) / ((double) m * (m - 1));
        double ab = kernelSum(a64, b64, gamma) / ((double) n * m);
        return aa + bb - 2 * ab;
    }

    private static double kernelSum(INDArray x, INDArray y, double gamma) {
        double[] xx = x.mul(x).sum(1).toDoubleVector();
        double[] yy = y.mul(y).sum(1).toDoubleVector();
        int block = 1024;
        double total = 0;
        for (int i = 0; i < x.size(0); i += block) {
            int rows = (int) Math.min(block, x.size(0) - i);
            INDArray xb = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + rows));
            double[] dot = Checks.flat(xb.mmul(y.transpose()));
            int cols = yy.length;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double d2 = Math.max(0, xx[i + r] + yy[c] - 2 * dot[r * cols + c]);
                    total += Math.exp(-gamma * d2);
                }
            }
        }
        return total;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static int checkSet(String name, INDArray x) {
        Checks.notNull(name, x);
        if (x.rank() != 2 || x.size(0) < 1) {
            throw new IllegalArgumentException(name + " must have shape [n, d] with n >= 1; got "
                    + Arrays.toString(x.shape()));
        }
        Checks.allFinite(name, x);
        return (int) x.size(0);
    }
}
