package io.github.scoresde.training.images;

import io.github.scoresde.core.Checks;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Frechet distance between Gaussians fitted to two sets of feature vectors (Dowson and Landau
 * 1982; the statistic of FID, Heusel et al. 2017):
 * |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a^{1/2} S_b S_a^{1/2})^{1/2}), with the matrix
 * square roots from symmetric eigendecompositions (LAPACK through ND4J), negative eigenvalues of
 * rounding clipped to 0. Computed in float64.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /**
     * The distance between the Gaussian fits (mean, covariance with n - 1) of two feature sets.
     *
     * @param a {@code [n, k]}, n &gt;= 2
     * @param b {@code [m, k]}, m &gt;= 2
     */
    public static double between(INDArray a, INDArray b) {
        check("a", a);
        check("b", b);
        if (a.size(1) != b.size(1)) {
            throw new IllegalArgumentException("the feature sets differ in width: " + a.size(1) + " and " + b.size(1));
        }
        return of(mean(a), covariance(a), mean(b), covariance(b));
    }

    /**
     * The distance between N(muA, covA) and N(muB, covB).
     *
     * @param muA {@code [k]}
     * @param covA {@code [k, k]}, symmetric positive semi-definite
     */
    public static double of(INDArray muA, INDArray covA, INDArray muB, INDArray covB) {
        INDArray d = muA.castTo(DataType.DOUBLE).sub(muB.castTo(DataType.DOUBLE));
        double meanTerm = d.mul(d).sumNumber().doubleValue();
        INDArray sa = covA.castTo(DataType.DOUBLE);
        INDArray sb = covB.castTo(DataType.DOUBLE);
        INDArray rootA = sqrtm(sa);
        INDArray inner = rootA.mmul(sb).mmul(rootA);
        double cross = trace(sqrtm(inner.add(inner.transpose()).muli(0.5)));
        return meanTerm + trace(sa) + trace(sb) - 2 * cross;
    }

    /** The column means of {@code [n, k]}, float64. */
    static INDArray mean(INDArray x) {
        return x.castTo(DataType.DOUBLE).mean(0);
    }

    /** The sample covariance (n - 1) of {@code [n, k]}, float64. */
    static INDArray covariance(INDArray x) {
        INDArray c = x.castTo(DataType.DOUBLE).subRowVector(mean(x));
        return c.transpose().mmul(c).divi(x.size(0) - 1);
    }

    /** The symmetric PSD square root V diag(sqrt(max(lambda, 0))) V^T. */
    private static INDArray sqrtm(INDArray s) {
        INDArray v = s.dup('f');
        INDArray lambda = Eigen.symmetricGeneralizedEigenvalues(v, true);
        double[] l = lambda.toDoubleVector();
        double[] r = Arrays.stream(l).map(x -> Math.sqrt(Math.max(0, x))).toArray();
        INDArray scaled = v.mulRowVector(Nd4j.createFromArray(r).reshape(1, r.length));
        return scaled.mmul(v.transpose());
    }

    private static double trace(INDArray m) {
        double t = 0;
        for (int i = 0; i < m.size(0); i++) {
            t += m.getDouble(i, i);
        }
        return t;
    }

    private static void check(String name, INDArray x) {
        Checks.notNull(name, x);
        if (x.rank() != 2 || x.size(0) < 2) {
            throw new IllegalArgumentException(name + " must have shape [n >= 2, k]; got " + Arrays.toString(x.shape()));
        }
    }
}
