package io.github.scoresde.core;

import io.github.scoresde.core.kernels.Kernels;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A mixture of isotropic Gaussians p(x) = sum_k w_k N(x; mu_k, sd_k^2 I) in d dimensions.
 *
 * <p>Besides sampling and the exact log-density, it evaluates the <em>perturbed</em> mixture
 * p(x; m, s) = sum_k w_k N(x; m mu_k, (m^2 sd_k^2 + s^2) I), which is the marginal p_t of the
 * mixture pushed through any linear SDE with x(t) | x(0) ~ N(m(t) x(0), s(t)^2 I) (MATH.md
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
 * type; the per-component bookkeeping is done in double precision, except for the score alone of
 * float32 points on the vectorised path, which is computed in float32 arithmetic without
 * cancellation (its relative error is a few float32 ulps, the output's own precision; twice the
 * vector lanes). Immutable and thread-safe.
 */
public final class GaussianMixture {
    private final double[] weights;
    private final double[] logWeights;
    private final double[][] means;
    private final double[] stds;
    private final double[] meanSq;
    private final double[] stdSq;
    /** The means coordinate-major, [d, K]: meansT[q K + j] = mu_j[q]. */
    private final double[] meansT;
    /** meansT, stdSq and logWeights in float32, for the float32 score kernel. */
    private final float[] meansTFloat;
    private final float[] stdSqFloat;
    private final float[] logWeightsFloat;
    private final double[] cumulative;
    private final int d;
    private final INDArray meansFloat;
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
        this.meanSq = new double[k];
        this.cumulative = new double[k];
        double acc = 0;
        for (int i = 0; i < k; i++) {
            this.weights[i] = weights[i] / total;
            this.logWeights[i] = Math.log(this.weights[i]);
            this.means[i] = means[i].clone();
            double sq = 0;
            for (double m : means[i]) {
                sq += m * m;
            }
            this.meanSq[i] = sq;
            acc += this.weights[i];
            this.cumulative[i] = acc;
        }
        this.cumulative[k - 1] = 1.0;
        this.stdSq = new double[k];
        for (int i = 0; i < k; i++) {
            this.stdSq[i] = stds[i] * stds[i];
        }
        this.meansT = new double[d * k];
        for (int i = 0; i < k; i++) {
            for (int q = 0; q < d; q++) {
                this.meansT[q * k + i] = this.means[i][q];
            }
        }
        this.meansTFloat = NdArrays.narrow(meansT);
        this.stdSqFloat = NdArrays.narrow(stdSq);
        this.logWeightsFloat = NdArrays.narrow(logWeights);
        this.meansDouble = Nd4j.createFromArray(this.means);
        this.meansFloat = meansDouble.castTo(DataType.FLOAT);
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

    /** The names accepted by {@link #named(String)}. */
    public static final java.util.List<String> NAMES = java.util.List.of("eight-gaussians", "gmm-64");

    /**
     * A canonical mixture by name ({@code eight-gaussians} or {@code gmm-64}).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static GaussianMixture named(String name) {
        switch (String.valueOf(name)) {
            case "eight-gaussians":
                return eightGaussians();
            case "gmm-64":
                return gmm64();
            default:
                throw new IllegalArgumentException("Unknown mixture \"" + name + "\"; expected one of " + NAMES);
        }
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
        double[] xv = Checks.flat(e.x);
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
     * {@link #score(INDArray, double[], double[])} with constant arrays, without materialising them.
     */
    public INDArray score(INDArray x, double m, double s) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        checkCoefficients(1, new double[] {m}, new double[] {s});
        if (floatScoreKernel(x)) {
            return floatScore(x, batch, new double[] {m}, new double[] {s});
        }
        Shared c = shared(batch, m, s);
        return score(x, c.m, c.s);
    }

    /**
     * {@link #affineScoreAndLaplacian(INDArray, double[], double[], double, double, INDArray)} when
     * every example shares one (m, s), as in a likelihood solve's evaluation: the same values,
     * without materialising the coefficient arrays.
     */
    public double[] affineScoreAndLaplacian(INDArray x, double m, double s, double a, double b, INDArray out) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        Shared c = shared(batch, m, s);
        return affineScoreAndLaplacian(x, c.m, c.s, a, b, out);
    }

    /**
     * {@link #affineScoreAndHessianQuadraticForm(INDArray, double[], double[], INDArray, double, double, INDArray)}
     * when every example shares one (m, s): the same values, without materialising the coefficient
     * arrays.
     */
    public double[] affineScoreAndHessianQuadraticForm(INDArray x, double m, double s, INDArray v, double a,
            double b, INDArray out) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        Shared c = shared(batch, m, s);
        return affineScoreAndHessianQuadraticForm(x, c.m, c.s, v, a, b, out);
    }

    /**
     * A probe direction v {@code [batch, d]} prepared for many quadratic forms v . H v at different
     * points, as a Hutchinson likelihood solve asks for with one probe: its values are copied once
     * (later changes to the array do not reach the probe) and, for the row kernel (d of at least a
     * vector's lanes), its products with the component means are formed once rather than at every
     * call.
     *
     * @param v the probe, {@code [batch, d]}, float32 or float64, finite
     */
    public Probe probe(INDArray v) {
        int rows = Checks.batchOf("v", v, new long[] {d});
        Checks.allFinite("v", v);
        double[] values = NdArrays.toDoubles(v);
        double[] products = kernelApplies() ? Kernels.mixtureProbeProducts(values, rows, d, means.length, meansT)
                : null;
        return new Probe(this, rows, values, products, v.dataType());
    }

    /** A probe prepared by {@link #probe} for one mixture; immutable, safe to share between threads. */
    public static final class Probe {
        private final GaussianMixture mixture;
        private final int rows;
        private final double[] values;
        private final double[] products;
        private final DataType type;

        private Probe(GaussianMixture mixture, int rows, double[] values, double[] products, DataType type) {
            this.mixture = mixture;
            this.rows = rows;
            this.values = values;
            this.products = products;
            this.type = type;
        }

        /** The number of rows (examples) of the probe. */
        public int rows() {
            return rows;
        }
    }

    /**
     * {@link #affineScoreAndHessianQuadraticForm(INDArray, double, double, INDArray, double, double, INDArray)}
     * with a prepared probe: the same values as with the probe's array, without copying it or forming
     * its products with the means again.
     *
     * @param v a probe from this mixture's {@link #probe}, with as many rows as x
     */
    public double[] affineScoreAndHessianQuadraticForm(INDArray x, double m, double s, Probe v, double a, double b,
            INDArray out) {
        Checks.notNull("v", v);
        if (v.mixture != this) {
            throw new IllegalArgumentException("the probe was prepared for another mixture");
        }
        int batch = Checks.batchOf("x", x, new long[] {d});
        Shared c = shared(batch, m, s);
        Affine f = affine(x, a, b, out);
        Derivatives k = kernelDerivatives(x, c.m, c.s, null, v, false, true, f);
        if (k != null) {
            return k.quadratic;
        }
        INDArray array = NdArrays.of(v.values, v.type, v.rows, d);
        try {
            return affineScoreAndHessianQuadraticForm(x, c.m, c.s, array, a, b, out);
        } finally {
            NdArrays.release(array);
        }
    }

    /** A thread's constant coefficient arrays, m and s repeated per example (read, never kept, by the calls above). */
    private record Shared(double[] m, double[] s) {
    }

    /** Per-thread {@link Shared} arrays, refilled when the batch or the values change. */
    private static final ThreadLocal<Shared[]> SHARED = ThreadLocal.withInitial(() -> new Shared[1]);

    /**
     * m and s repeated for a batch, checked, in the thread's arrays: an evaluation of a sampler
     * step or an ODE solve makes no garbage for them. New arrays above {@link #SCRATCH_MAX}
     * examples, and on fork-join workers, which may run another task (and another call) while they
     * wait on the kernel's own.
     */
    private Shared shared(int batch, double m, double s) {
        checkCoefficients(1, new double[] {m}, new double[] {s});
        if (batch == 0 || batch > SCRATCH_MAX
                || Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread) {
            Shared c = new Shared(new double[batch], new double[batch]);
            Arrays.fill(c.m, m);
            Arrays.fill(c.s, s);
            return c;
        }
        Shared[] slot = SHARED.get();
        Shared c = slot[0];
        if (c == null || c.m.length != batch) {
            c = new Shared(new double[batch], new double[batch]);
            c.m[0] = Double.NaN;
            slot[0] = c;
        }
        // the arrays are always filled whole: their first values say what they hold (compared by
        // bits, so that -0.0 and 0.0 refill; a new pair starts with NaN, which no m can equal)
        if (Double.doubleToLongBits(c.m[0]) != Double.doubleToLongBits(m)
                || Double.doubleToLongBits(c.s[0]) != Double.doubleToLongBits(s)) {
            Arrays.fill(c.m, m);
            Arrays.fill(c.s, s);
        }
        return c;
    }

    /** The score grad_x ln p(x; m, s), shape and data type of x. */
    public INDArray score(INDArray x, double[] m, double[] s) {
        Derivatives f = kernelDerivatives(x, m, s, null, false, false);
        return f != null ? f.score : evaluate(x, m, s).score();
    }

    /**
     * The Hessian of ln p(x; m, s) applied to v, per example: H_b v_b. Because H is symmetric
     * this is both the Jacobian-vector and the vector-Jacobian product of the score.
     */
    public INDArray hessianVectorProduct(INDArray x, double[] m, double[] s, INDArray v) {
        Derivatives f = kernelDerivatives(x, m, s, v, false, false);
        return f != null ? f.hv : hessianVectorProduct(evaluate(x, m, s), x, m, v);
    }

    /**
     * The score and the Hessian-vector product from one shared evaluation of the mixture (cheaper
     * than {@link #score} and {@link #hessianVectorProduct} apart).
     *
     * @return {score, H v}, both of the shape and data type of x
     */
    public INDArray[] scoreAndHessianVectorProduct(INDArray x, double[] m, double[] s, INDArray v) {
        Derivatives f = kernelDerivatives(x, m, s, v, false, false);
        if (f != null) {
            return new INDArray[] {f.score, f.hv};
        }
        Evaluation e = evaluate(x, m, s);
        INDArray hv = hessianVectorProduct(e, x, m, v);
        return new INDArray[] {e.score(), hv};
    }

    /**
     * The score and the quadratic form v_b . H_b v_b of the Hessian of ln p(x; m, s) per example, from
     * one shared evaluation: what a Hutchinson probe of the divergence reads, without forming H v
     * (one product with the means fewer per row than {@link #scoreAndHessianVectorProduct}).
     *
     * @param v directions, the shape of x
     * @return the score (shape and data type of x) and the quadratic form per example
     */
    public ScoreAndQuadraticForm scoreAndHessianQuadraticForm(INDArray x, double[] m, double[] s, INDArray v) {
        Checks.notNull("v", v);
        Derivatives f = kernelDerivatives(x, m, s, v, false, true);
        if (f != null) {
            return new ScoreAndQuadraticForm(f.score, f.quadratic);
        }
        Evaluation e = evaluate(x, m, s);
        INDArray hv = hessianVectorProduct(e, x, m, v);
        double[] q = Broadcast.dot(v, hv);
        NdArrays.release(hv);
        return new ScoreAndQuadraticForm(e.score(), q);
    }

    /** A score with the quadratic form v . H v of its Jacobian (the Hessian of the log-density), per example. */
    public record ScoreAndQuadraticForm(INDArray score, double[] quadraticForm) {
    }

    private INDArray hessianVectorProduct(Evaluation e, INDArray x, double[] m, INDArray v) {
        if (!Arrays.equals(v.shape(), x.shape())) {
            throw new IllegalArgumentException("v must have the shape of x " + Arrays.toString(x.shape()) + "; got "
                    + Arrays.toString(v.shape()));
        }
        int k = means.length;
        INDArray vv = v.castTo(x.dataType());
        INDArray score = e.score();
        double[] scoreDotV = score.mul(vv).sum(1).toDoubleVector();
        double[] xDotV = e.x.mul(vv).sum(1).toDoubleVector();
        double[] p = Checks.flat(vv.mmul(meansOf(x).transpose())); // [B, K]: v . mu_k
        double[] q = new double[e.batch * k];
        double[] qSum = new double[e.batch];
        for (int b = 0; b < e.batch; b++) {
            double sumQ = 0;
            for (int c = 0; c < k; c++) {
                int i = b * k + c;
                double vk = e.v[i];
                // r_k (u_k . v) / v_k, with u_k . v = (m mu_k . v - x . v) / v_k
                double qi = e.r[i] * (m[b] * p[i] - xDotV[b]) / (vk * vk);
                q[i] = m[b] * qi;
                sumQ += qi;
            }
            qSum[b] = sumQ;
        }
        // H v = -c v + m (Q' MU) - x sum_k Q'_k - S (S . v)
        INDArray qm = NdArrays.of(q, x.dataType(), e.batch, k).mmul(meansOf(x));
        INDArray out = qm.subi(Broadcast.mul(vv, Broadcast.vector(e.c, x)));
        out.subi(Broadcast.mul(e.x, Broadcast.vector(qSum, x)));
        out.subi(Broadcast.mul(score, Broadcast.vector(scoreDotV, x)));
        return out;
    }

    /** The Laplacian of ln p(x; m, s) (the divergence of its score), one value per example. */
    public double[] laplacian(INDArray x, double[] m, double[] s) {
        Derivatives f = kernelDerivatives(x, m, s, null, true, false);
        return f != null ? f.laplacian : laplacian(evaluate(x, m, s));
    }

    /**
     * The score and its divergence from one shared evaluation (cheaper than calling
     * {@link #score} and {@link #laplacian} apart).
     *
     * @return the score (shape and data type of x) and the Laplacian per example
     */
    public ScoreAndLaplacian scoreAndLaplacian(INDArray x, double[] m, double[] s) {
        Derivatives f = kernelDerivatives(x, m, s, null, true, false);
        if (f != null) {
            return new ScoreAndLaplacian(f.score, f.laplacian);
        }
        Evaluation e = evaluate(x, m, s);
        return new ScoreAndLaplacian(e.score(), laplacian(e));
    }

    /** A score with its divergence. */
    public record ScoreAndLaplacian(INDArray score, double[] laplacian) {
    }

    private double[] laplacian(Evaluation e) {
        double[] scoreSq = e.score().mul(e.score()).sum(1).toDoubleVector();
        int k = means.length;
        double[] out = new double[e.batch];
        for (int b = 0; b < e.batch; b++) {
            double acc = -d * e.c[b];
            for (int c = 0; c < k; c++) {
                int i = b * k + c;
                acc += e.r[i] * e.dist2[i] / (e.v[i] * e.v[i]);
            }
            out[b] = acc - scoreSq[b];
        }
        return out;
    }

    private INDArray meansOf(INDArray x) {
        return x.dataType() == DataType.DOUBLE ? meansDouble : meansFloat;
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

    /** Dimension up to which the score, Hessian-vector product and Laplacian come from the vector kernel. */
    private static final int KERNEL_MAX_DIMENSION = 64;

    /** Score, optional H v, optional Laplacian and optional v . H v from {@link Kernels#mixtureDerivatives}. */
    private record Derivatives(INDArray score, INDArray hv, double[] laplacian, double[] quadratic) {
    }

    /**
     * The derivatives from the vector kernel, after the same argument checks as the scalar path;
     * null when the kernel is not available or d is large (there the ND4J products are faster).
     * With v, H v (or, when {@code quadratic}, only v . H v) comes with the score.
     */
    private Derivatives kernelDerivatives(INDArray x, double[] m, double[] s, INDArray v, boolean laplacian,
            boolean quadratic) {
        return kernelDerivatives(x, m, s, v, laplacian, quadratic, null);
    }

    /**
     * As {@link #kernelDerivatives(INDArray, double[], double[], INDArray, boolean, boolean)}; with an
     * {@code affine} output the score is not returned but written as a x + b S into it, from the
     * kernel's scratch arrays in one pass.
     */
    private Derivatives kernelDerivatives(INDArray x, double[] m, double[] s, INDArray v, boolean laplacian,
            boolean quadratic, Affine affine) {
        return kernelDerivatives(x, m, s, v, null, laplacian, quadratic, affine);
    }

    /** As above, with v given either as an array or as a {@link Probe} prepared for this mixture. */
    private Derivatives kernelDerivatives(INDArray x, double[] m, double[] s, INDArray v, Probe probe,
            boolean laplacian, boolean quadratic, Affine affine) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        checkCoefficients(batch, m, s);
        if (v != null && !Arrays.equals(v.shape(), x.shape())) {
            throw new IllegalArgumentException("v must have the shape of x " + Arrays.toString(x.shape()) + "; got "
                    + Arrays.toString(v.shape()));
        }
        if (probe != null && probe.rows != batch) {
            throw new IllegalArgumentException("the probe holds " + probe.rows + " rows but x has " + batch);
        }
        if (v == null && !laplacian && affine == null && floatScoreKernel(x)) {
            return new Derivatives(floatScore(x, batch, m, s), null, null, null);
        }
        if (!kernelApplies()) {
            return null;
        }
        int k = means.length;
        int n = batch * d;
        // the copies in and out live in per-thread scratch: a likelihood solve makes hundreds of
        // calls, and fresh arrays of this size cost their zeroing and the collector's time
        double[] xv = NdArrays.toDoubles(x, scratch(0, n));
        double[] vv = probe != null ? probe.values : v == null ? null : NdArrays.toDoubles(v, scratch(1, n));
        double[] products = probe != null ? probe.products : null;
        double[] score = scratch(2, n);
        double[] hv = vv == null || quadratic ? null : scratch(3, n);
        double[] lap = laplacian ? new double[batch] : null;
        double[] quad = quadratic ? new double[batch] : null;
        RowParallel.forRows(batch, (long) k * (d + 8), KERNEL_PARALLEL_WORK, (from, to) -> Kernels.mixtureDerivatives(xv, vv,
                products, d, k, meansT, stdSq, logWeights, m, s, from, to, score, hv, lap, quad));
        DataType type = x.dataType();
        if (affine != null) {
            Kernels.affine(affine.out, affine.a, xv, affine.b, score);
            return new Derivatives(null, hv == null ? null : NdArrays.ofPrefix(hv, type, batch, d), lap, quad);
        }
        return new Derivatives(NdArrays.ofPrefix(score, type, batch, d),
                hv == null ? null : NdArrays.ofPrefix(hv, type, batch, d), lap, quad);
    }

    /** out = a x + b S, the form in which {@link #affineScoreAndLaplacian} and its sibling write the score. */
    private record Affine(double a, double b, INDArray out) {
    }

    /** The affine output, after checking that it has x's shape and that a and b are finite. */
    private static Affine affine(INDArray x, double a, double b, INDArray out) {
        Checks.notNull("out", out);
        if (!Arrays.equals(out.shape(), x.shape())) {
            throw new IllegalArgumentException("out must have the shape of x " + Arrays.toString(x.shape())
                    + "; got " + Arrays.toString(out.shape()));
        }
        Checks.finite("a", a);
        Checks.finite("b", b);
        return new Affine(a, b, out);
    }

    /**
     * The score written as {@code out = a x + b S(x)} (the probability-flow drift's form) and the
     * Laplacian, from one shared evaluation; the same values as {@link #scoreAndLaplacian} combined
     * afterwards, without an array for the score.
     *
     * @param out receives a x + b S, the shape of x (its data type may differ)
     * @return the Laplacian per example
     */
    public double[] affineScoreAndLaplacian(INDArray x, double[] m, double[] s, double a, double b, INDArray out) {
        Affine f = affine(x, a, b, out);
        Derivatives k = kernelDerivatives(x, m, s, null, true, false, f);
        if (k != null) {
            return k.laplacian;
        }
        ScoreAndLaplacian sl = scoreAndLaplacian(x, m, s);
        ScoreFunction.writeAffine(f.out, f.a, x, f.b, sl.score());
        return sl.laplacian();
    }

    /**
     * The score written as {@code out = a x + b S(x)} and the quadratic form v . H v per example,
     * from one shared evaluation: {@link #scoreAndHessianQuadraticForm} without an array for the
     * score.
     *
     * @param out receives a x + b S, the shape of x (its data type may differ)
     * @return v . H v per example
     */
    public double[] affineScoreAndHessianQuadraticForm(INDArray x, double[] m, double[] s, INDArray v, double a,
            double b, INDArray out) {
        Checks.notNull("v", v);
        Affine f = affine(x, a, b, out);
        Derivatives k = kernelDerivatives(x, m, s, v, false, true, f);
        if (k != null) {
            return k.quadratic;
        }
        ScoreAndQuadraticForm sq = scoreAndHessianQuadraticForm(x, m, s, v);
        ScoreFunction.writeAffine(f.out, f.a, x, f.b, sq.score());
        return sq.quadraticForm();
    }

    /** Values up to which a thread keeps its kernel scratch arrays (8 MB each). */
    private static final int SCRATCH_MAX = 1 << 20;
    /** Per-thread scratch of {@link #kernelDerivatives}: x, v, the score and H v. */
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[4][]);

    /** The thread's scratch array {@code slot} with room for n values (a new array above the cap). */
    private static double[] scratch(int slot, int n) {
        if (n > SCRATCH_MAX) {
            return new double[n];
        }
        double[][] all = SCRATCH.get();
        if (all[slot] == null || all[slot].length < n) {
            all[slot] = new double[n];
        }
        return all[slot];
    }

    /** Whether the vector kernels serve this mixture: the Vector API is on and d is at most {@link #KERNEL_MAX_DIMENSION}. */
    private boolean kernelApplies() {
        return Kernels.vectorized() && d <= KERNEL_MAX_DIMENSION;
    }

    /** Whether the score alone of x comes from the float32 kernel: float32 points on the vectorised path. */
    private boolean floatScoreKernel(INDArray x) {
        return x.dataType() == DataType.FLOAT && kernelApplies();
    }

    /**
     * The score alone of float32 points in float32 arithmetic (the output's precision), with m and
     * s per row or one shared value; one thread: at 4096 x 2 the kernel takes about 35 us, less
     * than handing half of it to a pool worker costs.
     */
    private INDArray floatScore(INDArray x, int batch, double[] m, double[] s) {
        // x and the score pass through per-thread scratch: a sampler makes a call per step, and
        // fresh arrays there were most of what the collector had to collect
        int n = batch * d;
        float[] xf = NdArrays.toFloats(x, floatScratch(0, n));
        float[] out = floatScratch(1, n);
        Kernels.mixtureScoreFloat(xf, d, means.length, meansTFloat, stdSqFloat, logWeightsFloat, m, s, 0, batch, out);
        return NdArrays.floatsPrefix(out, batch, d);
    }

    /** Per-thread scratch of {@link #floatScore}: x and the score. */
    private static final ThreadLocal<float[][]> FLOAT_SCRATCH = ThreadLocal.withInitial(() -> new float[2][]);

    /** The thread's float scratch array {@code slot} with room for n values (a new array above the cap). */
    private static float[] floatScratch(int slot, int n) {
        if (n > SCRATCH_MAX) {
            return new float[n];
        }
        float[][] all = FLOAT_SCRATCH.get();
        if (all[slot] == null || all[slot].length < n) {
            all[slot] = new float[n];
        }
        return all[slot];
    }

    /** d K at or below which the small products are done in Java rather than by ND4J GEMM calls. */
    private static final int JAVA_PRODUCT_LIMIT = 512;
    /** Work (about K (d + 8) per example) above which the Java loops split over threads. */
    private static final long PARALLEL_WORK = 1 << 16;
    /**
     * The same for the vector kernel of {@link #kernelDerivatives}, which does that work in about
     * 0.3 ns a unit: below about 200 us a call, waking the pool's worker costs more than it saves
     * (eight-gaussians likelihoods, 2,000 examples, 160,000 units: solves 12.9-13.7 ms on one thread
     * against 14.0-15.5 ms split, medians of alternating blocks; gmm-64, 2.3 million units, still
     * splits: 300 against 590 us a call).
     */
    private static final long KERNEL_PARALLEL_WORK = 1 << 19;

    private Evaluation evaluate(INDArray x, double[] m, double[] s) {
        int batch = Checks.batchOf("x", x, new long[] {d});
        checkCoefficients(batch, m, s);
        int k = means.length;
        INDArray xc = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        double[] xv = xc.data().asDouble();
        boolean javaProducts = (long) d * k <= JAVA_PRODUCT_LIMIT;
        double[] g = javaProducts ? new double[batch * k] : Checks.flat(xc.mmul(meansOf(x).transpose()));
        double[] v = new double[batch * k];
        double[] dist2 = new double[batch * k];
        double[] r = new double[batch * k];
        double[] a = new double[batch * k];
        double[] c = new double[batch];
        RowParallel.forRows(batch, (long) k * (d + 8), PARALLEL_WORK, (from, to) -> {
            if (javaProducts) {
                for (int b = from; b < to; b++) {
                    for (int j = 0; j < k; j++) {
                        double acc = 0;
                        double[] mu = means[j];
                        for (int q = 0; q < d; q++) {
                            acc += xv[b * d + q] * mu[q];
                        }
                        g[b * k + j] = acc;
                    }
                }
            }
            // per-component variance and log-normaliser depend on (m_b, s_b) only: samplers share them
            double[] vk = new double[k];
            double[] logNorm = new double[k];
            int b = from;
            while (b < to) {
                double mb = m[b];
                double sb = s[b];
                int end = b + 1;
                while (end < to && m[end] == mb && s[end] == sb) {
                    end++;
                }
                for (int j = 0; j < k; j++) {
                    vk[j] = mb * mb * stds[j] * stds[j] + sb * sb;
                    logNorm[j] = logWeights[j] - 0.5 * d * Math.log(2 * Math.PI * vk[j]);
                }
                responsibilities(xv, g, vk, logNorm, mb, b, end, v, dist2, r, a, c);
                b = end;
            }
        });
        return new Evaluation(xc, xv, batch, v, dist2, r, a, c);
    }

    private double dot(double[] xv, int at, double[] mu) {
        double acc = 0;
        for (int q = 0; q < d; q++) {
            acc += xv[at + q] * mu[q];
        }
        return acc;
    }

    /** Responsibilities and score weights for rows [from, to) sharing (m, s), given the products g = x . mu. */
    private void responsibilities(double[] xv, double[] g, double[] vk, double[] logNorm, double mb, int from, int to,
            double[] v, double[] dist2, double[] r, double[] a, double[] c) {
        int k = means.length;
        for (int b = from; b < to; b++) {
            double xx = 0;
            for (int q = 0; q < d; q++) {
                xx += xv[b * d + q] * xv[b * d + q];
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                int i = b * k + j;
                double gi = g != null ? g[i] : dot(xv, b * d, means[j]);
                double sq = Math.max(0, xx - 2 * mb * gi + mb * mb * meanSq[j]);
                v[i] = vk[j];
                dist2[i] = sq;
                r[i] = logNorm[j] - sq / (2 * vk[j]);
                max = Math.max(max, r[i]);
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                int i = b * k + j;
                r[i] = Math.exp(r[i] - max);
                sum += r[i];
            }
            double cb = 0;
            for (int j = 0; j < k; j++) {
                int i = b * k + j;
                r[i] /= sum;
                cb += r[i] / v[i];
                a[i] = mb * r[i] / v[i];
            }
            c[b] = cb;
        }
    }

    /** Shared per-component bookkeeping of one batch: variances, squared distances, responsibilities. */
    private final class Evaluation {
        final INDArray x;
        final double[] xv;
        final int batch;
        final double[] v;
        final double[] dist2;
        final double[] r;
        final double[] a;
        final double[] c;
        private INDArray score;

        Evaluation(INDArray x, double[] xv, int batch, double[] v, double[] dist2, double[] r, double[] a, double[] c) {
            this.x = x;
            this.xv = xv;
            this.batch = batch;
            this.v = v;
            this.dist2 = dist2;
            this.r = r;
            this.a = a;
            this.c = c;
        }

        /** S = sum_k (m r_k / v_k) mu_k - x sum_k r_k / v_k. */
        INDArray score() {
            if (score == null) {
                int k = means.length;
                if ((long) d * k <= JAVA_PRODUCT_LIMIT) {
                    double[] out = new double[batch * d];
                    RowParallel.forRows(batch, (long) k * d, PARALLEL_WORK, (from, to) -> {
                        for (int b = from; b < to; b++) {
                            for (int q = 0; q < d; q++) {
                                double acc = -c[b] * xv[b * d + q];
                                for (int j = 0; j < k; j++) {
                                    acc += a[b * k + j] * means[j][q];
                                }
                                out[b * d + q] = acc;
                            }
                        }
                    });
                    score = NdArrays.of(out, x.dataType(), batch, d);
                } else {
                    INDArray am = NdArrays.of(a, x.dataType(), batch, k);
                    score = am.mmul(meansOf(x)).subi(Broadcast.mul(x, Broadcast.vector(c, x)));
                }
            }
            return score;
        }
    }

    @Override
    public String toString() {
        return "GaussianMixture[K=" + means.length + ", d=" + d + ", weights=" + Arrays.toString(weights)
                + ", stds=" + Arrays.toString(stds) + "]";
    }
}
