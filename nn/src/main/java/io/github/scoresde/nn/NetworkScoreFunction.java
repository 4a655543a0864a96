package io.github.scoresde.nn;

import io.github.scoresde.core.Broadcast;
import io.github.scoresde.core.Checks;
import io.github.scoresde.core.DifferentiableScore;
import java.util.function.DoubleUnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Makes a {@link ScoreNetwork} a score model: s(x, t) = net(x, t) / s(t) under
 * {@link Parameterization#DIVIDE_BY_MARGINAL_STD} (s(t) the SDE's marginal std, passed in as a
 * function so that this module needs no SDE), or net(x, t) under {@link Parameterization#DIRECT}.
 * Provides the input vector-Jacobian product by back-propagation through the network.
 * Results are float32, or the data type of x when x is float64.
 */
public final class NetworkScoreFunction implements DifferentiableScore, io.github.scoresde.core.ConditionalScoreFunction,
        io.github.scoresde.core.ProcessBound {
    private final ScoreNetwork network;
    private final Parameterization parameterization;
    private final DoubleUnaryOperator marginalStd;
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
        this.network = Checks.notNull("network", network);
        this.parameterization = Checks.notNull("parameterization", parameterization);
        this.marginalStd = Checks.notNull("marginalStd", marginalStd);
        this.horizon = Checks.positive("horizon", horizon);
        this.processSpec = null;
    }

    /**
     * As above, bound to the process the network was trained for (samplers and likelihoods then
     * refuse another; {@link io.github.scoresde.core.ProcessBound}).
     *
     * @param processSpec that process's text form ({@code Sde.spec()})
     */
    public NetworkScoreFunction(ScoreNetwork network, Parameterization parameterization, DoubleUnaryOperator marginalStd,
            double horizon, String processSpec) {
        this.network = Checks.notNull("network", network);
        this.parameterization = Checks.notNull("parameterization", parameterization);
        this.marginalStd = Checks.notNull("marginalStd", marginalStd);
        this.horizon = Checks.positive("horizon", horizon);
        this.processSpec = Checks.notNull("processSpec", processSpec);
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
        INDArray out = network.output(x, t);
        return scale(out, x, t);
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
        return scale(network.output(x, t, labels), x, t);
    }

    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        return scale(network.vectorJacobianProduct(x, t, v), x, t);
    }

    private INDArray scale(INDArray out, INDArray x, INDArray t) {
        double[] tv = Checks.times("t", t, (int) x.size(0), horizon);
        INDArray res = out.dataType() == x.dataType() ? out : out.castTo(x.dataType());
        if (parameterization == Parameterization.DIRECT) {
            return res;
        }
        double[] inv = new double[tv.length];
        for (int i = 0; i < tv.length; i++) {
            double s = marginalStd.applyAsDouble(tv[i]);
            if (!(s > 0)) {
                throw new IllegalArgumentException("the marginal std must be positive to divide by it; got " + s
                        + " at t = " + tv[i] + " (index " + i + ")");
            }
            inv[i] = 1 / s;
        }
        return Broadcast.muli(res, Broadcast.vector(inv, res));
    }

    @Override
    public String toString() {
        return "NetworkScoreFunction[" + parameterization + ", " + network + "]";
    }
}
