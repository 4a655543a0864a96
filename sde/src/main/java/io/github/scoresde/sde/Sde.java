package io.github.scoresde.sde;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A forward SDE dx = f(x, t) dt + g(t) dw on t in [0, T] whose drift is linear in x,
 * f(x, t) = {@link #driftCoefficient(double) a(t)} x, with a scalar diffusion g(t) (docs/math.md
 * section 1). All three SDEs of Song et al. (2021) are of this kind, so the perturbation kernel
 * is Gaussian in closed form: x(t) | x(0) ~ N(m(t) x(0), s(t)^2 I).
 *
 * <p>Scalar methods take a time t in [0, {@link #horizon()}] and reject anything else (NaN
 * included) with a message naming t; array methods take per-example times of shape
 * {@code [batch]}. Implementations are immutable and serialisable (a distributed trainer ships
 * them to its workers); {@link #spec()} is their text form in model files.
 */
public interface Sde extends java.io.Serializable {

    /**
     * The SDE's type and parameters as one line of text that {@link #parse} reads back to an equal
     * SDE: {@code vp;beta_min;beta_max}, {@code subvp;beta_min;beta_max} or
     * {@code ve;sigma_min;sigma_max;KERNEL}.
     */
    String spec();

    /**
     * The SDE a {@link #spec()} describes.
     *
     * @throws IllegalArgumentException for malformed text or an unknown type, quoting the text
     */
    static Sde parse(String spec) {
        String[] p = String.valueOf(spec).trim().split(";");
        try {
            switch (p[0]) {
                case "vp":
                    return new VpSde(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                case "subvp":
                    return new SubVpSde(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                case "ve":
                    return new VeSde(Double.parseDouble(p[1]), Double.parseDouble(p[2]), VeSde.Kernel.valueOf(p[3]));
                default:
                    throw new IllegalArgumentException("unknown SDE type \"" + p[0] + "\" in \"" + spec
                            + "\"; expected vp, subvp or ve");
            }
        } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("unknown SDE type")) {
                throw e;
            }
            throw new IllegalArgumentException("malformed SDE \"" + spec + "\" (" + e.getMessage() + ")");
        }
    }

    /** The end of the forward process, T (1 for the SDEs of the paper). */
    double horizon();

    /** a(t) in the drift f(x, t) = a(t) x. */
    double driftCoefficient(double t);

    /** The diffusion coefficient g(t). */
    double diffusion(double t);

    /** m(t), the mean coefficient of the perturbation kernel: E[x(t) | x(0)] = m(t) x(0). */
    double meanCoefficient(double t);

    /** s(t), the standard deviation of the perturbation kernel x(t) | x(0). */
    double marginalStd(double t);

    /**
     * The noise level sigma(t) = s(t) / m(t): x(t) / m(t) is the data plus Gaussian noise of
     * standard deviation sigma(t) (docs/math.md section 12; EDM's sigma). Increasing in t; 0 at
     * t = 0 except under VE's sigma approximation, where it is sigma_min.
     */
    default double noiseLevel(double t) {
        return marginalStd(t) / meanCoefficient(t);
    }

    /**
     * The time t in [0, T] at which {@link #noiseLevel(double)} equals {@code sigma}, in closed
     * form.
     *
     * @throws IllegalArgumentException for sigma outside [noiseLevel(0), noiseLevel(T)] (NaN
     *     included), naming it and the range
     */
    double timeAtNoiseLevel(double sigma);

    /** The log signal-to-noise ratio lambda(t) = ln(m(t) / s(t)) = -ln sigma(t), decreasing in t. */
    default double logSnr(double t) {
        return -Math.log(noiseLevel(t));
    }

    /**
     * The time at which {@link #logSnr(double)} equals {@code lambda}.
     *
     * @throws IllegalArgumentException for lambda outside [logSnr(T), logSnr(0)], naming it
     */
    default double timeAtLogSnr(double lambda) {
        if (Double.isNaN(lambda)) {
            throw new IllegalArgumentException("lambda must be a number; got NaN");
        }
        return timeAtNoiseLevel(Math.exp(-lambda));
    }

    /**
     * Checks that {@code sigma} lies in [noiseLevel(0), noiseLevel(T)] (a value within a relative
     * 1e-12 of an end is taken as that end) and returns it.
     */
    default double checkNoiseLevel(double sigma) {
        double lo = noiseLevel(0);
        double hi = noiseLevel(horizon());
        if (sigma >= lo * (1 - 1e-12) && sigma <= hi * (1 + 1e-12)) {
            return Math.min(Math.max(sigma, lo), hi);
        }
        throw new IllegalArgumentException("noise level " + sigma + " is outside [" + lo + ", " + hi
                + "], the noise levels of " + this);
    }

    /** The standard deviation of the isotropic Gaussian prior p_T = N(0, priorStd^2 I). */
    double priorStd();

    /**
     * The end time at which sampling stops by default (the paper's eps: 1e-3 for VP and
     * sub-VP, 1e-5 for VE), where the score is still well-defined.
     */
    double defaultEndTime();

    /** The discretisation of this SDE into {@code steps} steps (docs/math.md section 2). */
    Discretization discretize(int steps);

    /** The drift f(x, t) = a(t) x for per-example times t ({@code [batch]}); a new array. */
    default INDArray drift(INDArray x, INDArray t) {
        double[] tv = Checks.times("t", t, (int) x.size(0), horizon());
        double[] a = new double[tv.length];
        for (int i = 0; i < tv.length; i++) {
            a[i] = driftCoefficient(tv[i]);
        }
        return Broadcast.mul(x, Broadcast.vector(a, x));
    }

    /** The mean m(t_b) x0_b of the perturbation kernel for per-example times; a new array. */
    default INDArray marginalMean(INDArray x0, INDArray t) {
        double[] tv = Checks.times("t", t, (int) x0.size(0), horizon());
        double[] m = new double[tv.length];
        for (int i = 0; i < tv.length; i++) {
            m[i] = meanCoefficient(tv[i]);
        }
        return Broadcast.mul(x0, Broadcast.vector(m, x0));
    }

    /** s(t_b) for per-example times, shape {@code [batch]}, data type of {@code t}. */
    default INDArray marginalStd(INDArray t) {
        double[] tv = Checks.times("t", t, (int) t.length(), horizon());
        double[] s = new double[tv.length];
        for (int i = 0; i < tv.length; i++) {
            s[i] = marginalStd(tv[i]);
        }
        return io.github.scoresde.core.NdArrays.of(s, t.dataType().isFPType() ? t.dataType() : DataType.FLOAT, s.length);
    }

    /**
     * {@code n} draws from the prior p_T, float32, shape {@code [n, sampleShape...]}; draw i is
     * index {@code firstIndex + i} of {@code rng}.
     */
    default INDArray priorSample(RandomSource rng, long firstIndex, int n, long... sampleShape) {
        Checks.positive("n", n);
        return rng.gaussian(DataType.FLOAT, firstIndex, n, sampleShape).muli(priorStd());
    }

    /**
     * ln p_T(z) = -D/2 ln(2 pi v) - |z|^2 / (2 v), v = priorStd^2, D the values per example.
     *
     * @param z points, {@code [batch, ...]}
     * @return one log-density per example, in double precision
     */
    default double[] priorLogDensity(INDArray z) {
        Checks.notNull("z", z);
        if (z.rank() < 2 || z.size(0) < 1) {
            throw new IllegalArgumentException("z must have shape [batch, ...] with batch >= 1; got "
                    + java.util.Arrays.toString(z.shape()));
        }
        int batch = (int) z.size(0);
        long dim = z.length() / batch;
        double v = priorStd() * priorStd();
        double[] sq = z.reshape(batch, dim).castTo(DataType.DOUBLE).mul(z.reshape(batch, dim).castTo(DataType.DOUBLE))
                .sum(1).toDoubleVector();
        double[] out = new double[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = -0.5 * dim * Math.log(2 * Math.PI * v) - sq[b] / (2 * v);
        }
        return out;
    }

    /** The reverse-time SDE driven by {@code score} (docs/math.md section 3). */
    default ReverseSde reverse(ScoreFunction score) {
        return new ReverseSde(this, score);
    }

    /** The probability-flow ODE of {@code score} (docs/math.md section 3). */
    default ProbabilityFlowOde probabilityFlow(ScoreFunction score) {
        return new ProbabilityFlowOde(this, score);
    }

    /** Checks a scalar time against [0, horizon()] and returns it. */
    default double checkTime(double t) {
        return Checks.inRange("t", t, 0, horizon());
    }
}
