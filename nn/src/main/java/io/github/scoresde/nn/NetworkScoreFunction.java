package io.github.scoresde.nn;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.DifferentiableScore;
import java.util.function.DoubleUnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes a {@link ScoreNetwork} a score model by its {@link Parameterization}: s(x, t) =
 * net(x, t) / s(t), net(x, t), -net(x, t) / s(t) or (m(t) net(x, t) - x) / s(t)^2, with s(t) the
 * SDE's marginal std and m(t) its mean coefficient, passed in as functions so that this module
 * needs no SDE. Provides the input vector-Jacobian product by back-propagation through the network.
 * Results are float32, or the data type of x when x is float64.
 */
public final class NetworkScoreFunction implements DifferentiableScore, io.github.scoresde.core.ConditionalScoreFunction,
        io.github.scoresde.core.ProcessBound {
    private final ScoreNetwork network;
    private final Parameterization parameterization;
    private final DoubleUnaryOperator marginalStd;
    private final DoubleUnaryOperator meanCoefficient;
    private final double horizon;
    private final String processSpec;

    /**
     * @param network the network
     * @param parameterization how its output becomes a score
     * @param marginalStd t -> s(t), e.g. {@code sde::marginalStd}
     * @param horizon T; times must lie in [0, T] (and s(t) &gt; 0 under DIVIDE_BY_MARGINAL_STD)
     */
    public NetworkScoreFunction(ScoreNetwork network, Parameterization parameterization, DoubleUnaryOperator marginalStd,
            double horizon) {
        this(network, parameterization, null, marginalStd, horizon, null);
    }

    /**
     * As above, bound to the process the network was trained for (samplers and likelihoods then
     * refuse another; {@link io.github.scoresde.core.ProcessBound}).
     *
     * @param processSpec that process's text form ({@code Sde.spec()})
     */
    public NetworkScoreFunction(ScoreNetwork network, Parameterization parameterization, DoubleUnaryOperator marginalStd,
            double horizon, String processSpec) {
        this(network, parameterization, null, marginalStd, horizon, Checks.notNull("processSpec", processSpec));
    }

    /**
     * The general form: any parameterisation, {@link Parameterization#DATA} included, which needs
     * the mean coefficient.
     *
     * @param meanCoefficient t -> m(t), e.g. {@code sde::meanCoefficient}; null when the
     *     parameterisation is not DATA
     * @param marginalStd t -> s(t)
     * @param processSpec the process's text form, or null for a score usable under any process
     */
    public NetworkScoreFunction(ScoreNetwork network, Parameterization parameterization,
            DoubleUnaryOperator meanCoefficient, DoubleUnaryOperator marginalStd, double horizon, String processSpec) {
        this.network = Checks.notNull("network", network);
        this.parameterization = Checks.notNull("parameterization", parameterization);
        this.marginalStd = Checks.notNull("marginalStd", marginalStd);
        if (parameterization == Parameterization.DATA && meanCoefficient == null) {
            throw new IllegalArgumentException("the DATA parameterisation needs the SDE's mean coefficient m(t)");
        }
        this.meanCoefficient = meanCoefficient;
        this.horizon = Checks.positive("horizon", horizon);
        this.processSpec = processSpec;
    }

    /**
     * The process this score is bound to, or the empty text when it was built without one (it is
     * then used under any process).
     */
    @Override
    public String processSpec() {
        return processSpec == null ? "" : processSpec;
    }

    /** The network. */
    public ScoreNetwork network() {
        return network;
    }

    /** The parameterisation. */
    public Parameterization parameterization() {
        return parameterization;
    }

    @Override
    public long[] sampleShape() {
        return network.sampleShape();
    }

    @Override
    public INDArray score(INDArray x, INDArray t) {
        return fromOutput(network.output(x, t), x, x, t);
    }

    /** The network's number of classes (0 for an unconditional network). */
    @Override
    public int classes() {
        return network.classes();
    }

    /**
     * The class-conditional score s(x, t, y) of a network trained with labels (label -1: the
     * unconditional score learnt with label dropout).
     */
    @Override
    public INDArray score(INDArray x, INDArray t, int[] labels) {
        return fromOutput(network.output(x, t, labels), x, x, t);
    }

    /**
     * v^T d score / d x: the score is affine in the network's output and, under DATA, in x, so the
     * product maps as the output does with v in place of x: (m(t) v^T d net / d x - v) / s(t)^2
     * under DATA.
     */
    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        return fromOutput(network.vectorJacobianProduct(x, t, v), x, v, t);
    }

    /**
     * The parameterisation's map of a network output (or its vector-Jacobian product) in the data
     * type of x: times a per-example factor (1, 1/s, -1/s, m/s^2) and, under DATA, minus y / s^2
     * (y = x for the score, v for its product). In place on the network's new output.
     */
    private INDArray fromOutput(INDArray out, INDArray x, INDArray y, INDArray t) {
        double[] tv = Checks.times("t", t, (int) x.size(0), horizon);
        INDArray res = out.dataType() == x.dataType() ? out : out.castTo(x.dataType());
        if (parameterization == Parameterization.DIRECT) {
            return res;
        }
        double[] factor = new double[tv.length];
        double[] inverseVariance = new double[tv.length];
        for (int i = 0; i < tv.length; i++) {
            double s = std(tv[i], i);
            inverseVariance[i] = 1 / (s * s);
            factor[i] = switch (parameterization) {
                case DIVIDE_BY_MARGINAL_STD -> 1 / s;
                case EPSILON -> -1 / s;
                case DATA -> meanCoefficient.applyAsDouble(tv[i]) * inverseVariance[i];
                case DIRECT -> 1;
            };
        }
        Broadcast.muli(res, Broadcast.vector(factor, res));
        if (parameterization == Parameterization.DATA) {
            res.subi(Broadcast.muli(y.castTo(res.dataType()).dup(), Broadcast.vector(inverseVariance, res)));
        }
        return res;
    }

    private double std(double t, int index) {
        double s = marginalStd.applyAsDouble(t);
        if (!(s > 0)) {
            throw new IllegalArgumentException("the marginal std must be positive to divide by it; got " + s
                    + " at t = " + t + " (index " + index + ")");
        }
        return s;
    }

    @Override
    public String toString() {
        return "NetworkScoreFunction[" + parameterization + ", " + network + "]";
    }
}
