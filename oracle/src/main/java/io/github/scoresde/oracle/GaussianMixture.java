package io.github.scoresde.oracle;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.RowParallel;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A mixture of isotropic Gaussians p(x) = sum_k w_k N(x; mu_k, sd_k^2 I) in d dimensions.
 *
 * <p>Besides sampling and the exact log-density, it evaluates the <em>perturbed</em> mixture
 * p(x; m, s) = sum_k w_k N(x; m mu_k, (m^2 sd_k^2 + s^2) I), which is the marginal p_t of the
 * mixture pushed through any linear SDE with x(t) | x(0) ~ N(m(t) x(0), s(t)^2 I) (docs/math.md
 * section 10): its score, the responsibilities p_t(k | x), the Hessian of log p_t applied to a
 * vector and its trace (the divergence of the score), all in closed form. The SDE module turns
 * these into the exact score oracle of every SDE; with m = 1, s = 0 they describe the mixture
 * itself.
 *
 * <p>Closed forms used, with v_k = m^2 sd_k^2 + s^2, u_k = (m mu_k - x) / v_k and the
 * responsibilities r_k (a softmax over k of ln w_k - |x - m mu_k|^2 / (2 v_k) - d/2 ln(2 pi v_k)):
 * <ul>
 *   <li>score: S = sum_k r_k u_k</li>
 *   <li>Hessian: H = -sum_k (r_k / v_k) I + sum_k r_k u_k u_k^T - S S^T (symmetric, so the
 *       Jacobian-vector and vector-Jacobian products of the score coincide)</li>
 *   <li>divergence: tr H = -d sum_k r_k / v_k + sum_k r_k |u_k|^2 - |S|^2</li>
 * </ul>
 *
 * <p>Arrays: points are {@code [batch, d]} of float32 or float64; results take the points' data
 * type; every evaluation is done in double precision, row by row in plain Java (each row's result
 * depends only on that row, so a batch split into chunks gives the same values). This class is a
 * test instrument: it is written to be checked, not tuned. Immutable and thread-safe.
 */
public final class GaussianMixture {
    private final double[] weights;
    private final double[] logWeights;
    private final double[][] means;
    private final double[] stds;
    private final double[] cumulative;
    private final int d;
    private final INDArray meansDouble;

    /**
     * @param weights positive mixture weights, one per component (normalised to sum to one)
     * @param means component means, {@code [K][d]}, finite
     * @param stds positive per-component standard deviations, one per component
     * @throws IllegalArgumentException naming the first bad argument and its value
     */
    public GaussianMixture(double[] weights, double[][] means, double[] stds) {
        Checks.notNull("weights", weights);
        Checks.notNull("means", means);
        Checks.notNull("stds", stds);
        int k = weights.length;
        if (k == 0) {
            throw new IllegalArgumentException("weights must hold at least one component; got none");
        }
        if (means.length != k || stds.length != k) {
            throw new IllegalArgumentException("weights, means and stds must have one entry per component; got "
                    + k + ", " + means.length + " and " + stds.length);
        }
        this.d = means[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("means must have at least one dimension; got 0");
        }
        double total = 0;
        for (int i = 0; i < k; i++) {
            Checks.positive("weights[" + i + "]", weights[i]);
            Checks.positive("stds[" + i + "]", stds[i]);
            if (means[i].length != d) {
                throw new IllegalArgumentException("means[" + i + "] must have " + d + " dimensions like means[0]; got "
                        + means[i].length);
            }
            for (int j = 0; j < d; j++) {
                Checks.finite("means[" + i + "][" + j + "]", means[i][j]);
            }
            total += weights[i];
        }
        this.weights = new double[k];
        this.logWeights = new double[k];
        this.means = new double[k][];
        this.stds = stds.clone();
        this.cumulative = new double[k];
        double acc = 0;
        for (int i = 0; i < k; i++) {
            this.weights[i] = weights[i] / total;
            this.logWeights[i] = Math.log(this.weights[i]);
            this.means[i] = means[i].clone();
            acc += this.weights[i];
            this.cumulative[i] = acc;
        }
        this.cumulative[k - 1] = 1.0;
        this.meansDouble = Nd4j.createFromArray(this.means);
    }

    /** Equal weights and one standard deviation for all components. */
    public static GaussianMixture equalWeights(double[][] means, double std) {
        double[] w = new double[means.length];
        double[] s = new double[means.length];
        Arrays.fill(w, 1.0);
        Arrays.fill(s, std);
        return new GaussianMixture(w, means, s);
    }

    /**
     * The {@code eight-gaussians} mixture of BENCHMARKS.md: 8 equally weighted 2-D components with
     * std 0.1 centred at (2 cos(k pi / 4), 2 sin(k pi / 4)), k = 0..7.
     */
    public static GaussianMixture eightGaussians() {
        double[][] mu = new double[8][];
        for (int k = 0; k < 8; k++) {
            mu[k] = new double[] {2 * Math.cos(k * Math.PI / 4), 2 * Math.sin(k * Math.PI / 4)};
        }
        return equalWeights(mu, 0.1);
    }

    /**
     * The {@code gmm-64} mixture of BENCHMARKS.md: 16 equally weighted components in 64
     * dimensions, std 0.3, centres mu[k][j] = 2 sqrt(2) cos(0.7 (k + 1)(j + 1) + k).
     */
    public static GaussianMixture gmm64() {
        double[][] mu = new double[16][64];
        for (int k = 0; k < 16; k++) {
            for (int j = 0; j < 64; j++) {
                mu[k][j] = 2 * Math.sqrt(2) * Math.cos(0.7 * (k + 1) * (j + 1) + k);
            }
        }
        return equalWeights(mu, 0.3);
    }

    /** The dimension d of the data. */
    public int dimension() {
        return d;
    }

    /** The number of components K. */
    public int components() {
        return weights.length;
    }

    /** The normalised weight of component k. */
    public double weight(int k) {
        return weights[k];
    }

    /** A copy of the mean of component k. */
    public double[] mean(int k) {
        return means[k].clone();
    }

    /** The standard deviation of component k. */
    public double std(int k) {
        return stds[k];
    }

    /** The means as a new {@code [K, d]} array of the given data type. */
    public INDArray means(DataType type) {
        return meansDouble.castTo(type);
    }

    /**
     * The mixture of x(t) when x(0) follows this one and x(t) | x(0) ~ N(m x(0), s^2 I): means
     * m mu_k, standard deviations sqrt(m^2 sd_k^2 + s^2), the same weights.
     */
    public GaussianMixture perturbed(double m, double s) {
        Checks.finite("m", m);
        Checks.nonNegative("s", s);
        double[][] mu = new double[means.length][d];
        double[] sd = new double[means.length];
        for (int k = 0; k < means.length; k++) {
            for (int j = 0; j < d; j++) {
                mu[k][j] = m * means[k][j];
            }
            sd[k] = Math.sqrt(m * m * stds[k] * stds[k] + s * s);
        }
        return new GaussianMixture(weights, mu, sd);
    }

    /**
     * The conditional mixture of the unobserved coordinates given observed ones: component k
     * keeps its mean on the unobserved coordinates and its std, and its weight becomes
     * proportional to w_k N(y; mu_k[observed], sd_k^2 I).
     *
     * @param observed the observed coordinate indices (distinct, in [0, d), fewer than d)
     * @param values the observed values, one per index
     * @return the mixture over the remaining coordinates, in increasing index order
     */
    public GaussianMixture conditional(int[] observed, double[] values) {
        Checks.notNull("observed", observed);
        Checks.notNull("values", values);
        if (observed.length != values.length) {
            throw new IllegalArgumentException("observed and values must have the same length; got "
                    + observed.length + " and " + values.length);
        }
        boolean[] isObs = new boolean[d];
        for (int i = 0; i < observed.length; i++) {
            int j = observed[i];
            if (j < 0 || j >= d || isObs[j]) {
                throw new IllegalArgumentException("observed[" + i + "] must be a distinct index in [0, " + d + "); got " + j);
            }
            Checks.finite("values[" + i + "]", values[i]);
            isObs[j] = true;
        }
        int rest = d - observed.length;
        if (rest == 0) {
            throw new IllegalArgumentException("observed must leave at least one coordinate unobserved; all " + d
                    + " are observed");
        }
        int k = means.length;
        double[] logw = new double[k];
        double[][] mu = new double[k][rest];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            double v = stds[c] * stds[c];
            double sq = 0;
            for (int i = 0; i < observed.length; i++) {
                double diff = values[i] - means[c][observed[i]];
                sq += diff * diff;
            }
            logw[c] = logWeights[c] - sq / (2 * v) - observed.length * 0.5 * Math.log(2 * Math.PI * v);
            max = Math.max(max, logw[c]);
            int p = 0;
            for (int j = 0; j < d; j++) {
                if (!isObs[j]) {
                    mu[c][p++] = means[c][j];
                }
            }
        }
        double[] w = new double[k];
        for (int c = 0; c < k; c++) {
            // components far from the observation keep a negligible but positive weight
            w[c] = Math.max(Math.exp(logw[c] - max), Double.MIN_NORMAL);
        }
        return new GaussianMixture(w, mu, stds);
    }

    /** Draws from the mixture, with the component each draw came from. */
    public record Draw(INDArray x, int[] labels) {
    }

    /**
     * {@code n} float32 draws, shape {@code [n, d]}; draw i depends only on the source and
     * {@code i}.
     */
    public INDArray sample(int n, RandomSource rng) {
        return sampleLabelled(n, rng, 0).x();
    }

    /**
     * {@code n} float32 draws with their component labels; draw i is the one of index
     * {@code firstIndex + i} of the source, so consecutive calls compose.
     */
    public Draw sampleLabelled(int n, RandomSource rng, long firstIndex) {
        Checks.positive("n", n);
        Checks.notNull("rng", rng);
        RandomSource pick = rng.stream(1);
        float[] z = new float[n * d];
        rng.stream(2).fillGaussian(z, firstIndex, n, d);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double u = pick.uniform(firstIndex + i, 0);
            int k = 0;
            while (k < cumulative.length - 1 && u > cumulative[k]) {
                k++;
            }
            labels[i] = k;
            for (int j = 0; j < d; j++) {
                z[i * d + j] = (float) (means[k][j] + stds[k] * z[i * d + j]);
            }
        }
        return new Draw(Nd4j.createFromArray(z).reshape(n, d), labels);
    }

    /**
     * Exact log-density ln p(x) in nats, computed in double precision with explicit differences
     * and log-sum-exp.
     *
     * @param x points, {@code [batch, d]}, not modified
     * @return ln p(x_b) for each example
     */
    public double[] logDensity(INDArray x) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        double[] m = new double[batch];
        Arrays.fill(m, 1.0);
        return perturbedLogDensity(x, m, new double[batch]);
    }

    /**
     * Exact ln p(x; m, s) of the perturbed mixture, per example, in double precision.
     *
     * @param x points {@code [batch, d]}
     * @param m per-example mean coefficients m_b
     * @param s per-example noise standard deviations s_b &gt;= 0
     */
    public double[] perturbedLogDensity(INDArray x, double[] m, double[] s) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        checkCoefficients(batch, m, s);
        double[] xv = Checks.flat(x);
        int k = means.length;
        double[] out = new double[batch];
        double[] lg = new double[k];
        for (int b = 0; b < batch; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double v = m[b] * m[b] * stds[c] * stds[c] + s[b] * s[b];
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    double diff = xv[b * d + j] - m[b] * means[c][j];
                    sq += diff * diff;
                }
                lg[c] = logWeights[c] - sq / (2 * v) - 0.5 * d * Math.log(2 * Math.PI * v);
                max = Math.max(max, lg[c]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(lg[c] - max);
            }
            out[b] = max + Math.log(sum);
        }
        return out;
    }

    /**
     * The responsibilities p(k | x; m, s), shape {@code [batch, K]}, data type of x: the exact
     * noise-conditional classifier of the mixture's components.
     */
    public INDArray responsibilities(INDArray x, double[] m, double[] s) {
        Evaluation e = evaluate(x, m, s);
        return NdArrays.of(e.r, x.dataType(), e.batch, means.length);
    }

    /**
     * grad_x ln p(y | x; m, s) for the given component labels: u_y - S with
     * u_k = (m mu_k - x) / v_k and S the score (the gradient of the log-responsibility of y).
     */
    public INDArray logResponsibilityGradient(INDArray x, double[] m, double[] s, int[] labels) {
        Evaluation e = evaluate(x, m, s);
        Checks.notNull("labels", labels);
        if (labels.length != e.batch) {
            throw new IllegalArgumentException("labels must hold one label per example (" + e.batch + "); got "
                    + labels.length);
        }
        int k = means.length;
        double[] mu = new double[e.batch * d];
        double[] inv = new double[e.batch];
        double[] xv = e.xv;
        for (int b = 0; b < e.batch; b++) {
            int y = labels[b];
            if (y < 0 || y >= k) {
                throw new IllegalArgumentException("labels must lie in [0, " + k + "); got " + y + " at index " + b);
            }
            double v = e.v[b * k + y];
            inv[b] = 1 / v;
            for (int j = 0; j < d; j++) {
                mu[b * d + j] = (m[b] * means[y][j] - xv[b * d + j]) / v;
            }
        }
        return NdArrays.of(mu, x.dataType(), e.batch, d).subi(e.score());
    }

    /**
     * The score when every example shares one (m, s), as in a sampler step: the same values as
     * {@link #score(INDArray, double[], double[])} with constant arrays.
     */
    public INDArray score(INDArray x, double m, double s) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        double[] mv = new double[batch];
        double[] sv = new double[batch];
        Arrays.fill(mv, m);
        Arrays.fill(sv, s);
        return score(x, mv, sv);
    }

    /** The score grad_x ln p(x; m, s), shape and data type of x. */
    public INDArray score(INDArray x, double[] m, double[] s) {
        return evaluate(x, m, s).score();
    }

    /**
     * The Hessian of ln p(x; m, s) applied to v, per example: H_b v_b. Because H is symmetric
     * this is both the Jacobian-vector and the vector-Jacobian product of the score.
     */
    public INDArray hessianVectorProduct(INDArray x, double[] m, double[] s, INDArray v) {
        return hessianVectorProduct(evaluate(x, m, s), x, m, v);
    }

    /**
     * The score and the Hessian-vector product from one shared evaluation of the mixture.
     *
     * @return {score, H v}, both of the shape and data type of x
     */
    public INDArray[] scoreAndHessianVectorProduct(INDArray x, double[] m, double[] s, INDArray v) {
        Evaluation e = evaluate(x, m, s);
        INDArray hv = hessianVectorProduct(e, x, m, v);
        return new INDArray[] {e.score(), hv};
    }

    /**
     * The score and the quadratic form v_b . H_b v_b of the Hessian of ln p(x; m, s) per example,
     * from one shared evaluation: what a Hutchinson probe of the divergence reads.
     *
     * @param v directions, the shape of x
     * @return the score (shape and data type of x) and the quadratic form per example
     */
    public ScoreAndQuadraticForm scoreAndHessianQuadraticForm(INDArray x, double[] m, double[] s, INDArray v) {
        Checks.notNull("v", v);
        Evaluation e = evaluate(x, m, s);
        INDArray hv = hessianVectorProduct(e, x, m, v);
        double[] q = Broadcast.dot(v, hv);
        NdArrays.release(hv);
        return new ScoreAndQuadraticForm(e.score(), q);
    }

    /** A score with the quadratic form v . H v of its Jacobian (the Hessian of the log-density), per example. */
    public record ScoreAndQuadraticForm(INDArray score, double[] quadraticForm) {
    }

    /** H v = -c v + sum_k r_k u_k (u_k . v) - S (S . v), row by row in double precision. */
    private INDArray hessianVectorProduct(Evaluation e, INDArray x, double[] m, INDArray v) {
        Checks.cotangent(v, x);
        int k = means.length;
        double[] vv = Checks.flat(v);
        double[] sc = e.scoreValues();
        double[] out = new double[e.batch * d];
        RowParallel.forRows(e.batch, (long) k * d, PARALLEL_WORK, (from, to) -> {
            double[] u = new double[d];
            for (int b = from; b < to; b++) {
                int row = b * d;
                double sv = 0;
                for (int q = 0; q < d; q++) {
                    sv += sc[row + q] * vv[row + q];
                    out[row + q] = -e.c[b] * vv[row + q];
                }
                for (int j = 0; j < k; j++) {
                    int i = b * k + j;
                    double vk = e.v[i];
                    double uv = 0;
                    for (int q = 0; q < d; q++) {
                        u[q] = (m[b] * means[j][q] - e.xv[row + q]) / vk;
                        uv += u[q] * vv[row + q];
                    }
                    double w = e.r[i] * uv;
                    for (int q = 0; q < d; q++) {
                        out[row + q] += w * u[q];
                    }
                }
                for (int q = 0; q < d; q++) {
                    out[row + q] -= sc[row + q] * sv;
                }
            }
        });
        return NdArrays.of(out, x.dataType(), e.batch, d);
    }

    /** The Laplacian of ln p(x; m, s) (the divergence of its score), one value per example. */
    public double[] laplacian(INDArray x, double[] m, double[] s) {
        return laplacian(evaluate(x, m, s));
    }

    /**
     * The score and its divergence from one shared evaluation.
     *
     * @return the score (shape and data type of x) and the Laplacian per example
     */
    public ScoreAndLaplacian scoreAndLaplacian(INDArray x, double[] m, double[] s) {
        Evaluation e = evaluate(x, m, s);
        return new ScoreAndLaplacian(e.score(), laplacian(e));
    }

    /** A score with its divergence. */
    public record ScoreAndLaplacian(INDArray score, double[] laplacian) {
    }

    /** tr H = -d sum_k r_k / v_k + sum_k r_k |u_k|^2 - |S|^2, with |u_k|^2 = dist2_k / v_k^2. */
    private double[] laplacian(Evaluation e) {
        double[] sc = e.scoreValues();
        int k = means.length;
        double[] out = new double[e.batch];
        for (int b = 0; b < e.batch; b++) {
            double acc = -d * e.c[b];
            for (int c = 0; c < k; c++) {
                int i = b * k + c;
                acc += e.r[i] * e.dist2[i] / (e.v[i] * e.v[i]);
            }
            double sq = 0;
            for (int q = 0; q < d; q++) {
                double v = sc[b * d + q];
                sq += v * v;
            }
            out[b] = acc - sq;
        }
        return out;
    }

    private void checkCoefficients(int batch, double[] m, double[] s) {
        Checks.notNull("m", m);
        Checks.notNull("s", s);
        if (m.length != batch || s.length != batch) {
            throw new IllegalArgumentException("m and s must hold one value per example (" + batch + "); got "
                    + m.length + " and " + s.length);
        }
        for (int b = 0; b < batch; b++) {
            if (!Double.isFinite(m[b])) {
                throw new IllegalArgumentException("m must be finite; got " + m[b] + " at index " + b);
            }
            if (!(s[b] >= 0) || !Double.isFinite(s[b])) {
                throw new IllegalArgumentException("s must be non-negative and finite; got " + s[b] + " at index " + b);
            }
        }
    }

    /** Work (about K d per example) above which the row loops split over the common pool's threads. */
    static final long PARALLEL_WORK = 1 << 16;

    private Evaluation evaluate(INDArray x, double[] m, double[] s) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        checkCoefficients(batch, m, s);
        return new Evaluation(x, m, s, means, stds, logWeights);
    }

    @Override
    public String toString() {
        return "GaussianMixture[K=" + means.length + ", d=" + d + ", weights=" + Arrays.toString(weights)
                + ", stds=" + Arrays.toString(stds) + "]";
    }
}
