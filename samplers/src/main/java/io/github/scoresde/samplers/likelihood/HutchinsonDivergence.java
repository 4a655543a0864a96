package io.github.scoresde.samplers.likelihood;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.DifferentiableScore;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Hutchinson-Skilling trace estimator (Hutchinson 1989; Skilling 1989; docs/math.md section 8):
 * div s ~ (1/P) sum_p v_p^T (ds/dx) v_p with P probes v_p of zero mean and identity covariance
 * (Rademacher or Gaussian), drawn once per solve and held fixed along the trajectory so that the
 * ODE stays smooth. Unbiased; one quadratic form v^T J v per probe and evaluation
 * ({@link DifferentiableScore#jacobianQuadraticForm}: a vector-Jacobian product and a dot product,
 * or the model's closed form). Needs a {@link DifferentiableScore}.
 */
public final class HutchinsonDivergence implements DivergenceEstimator {

    /** The distribution of the probes. */
    public enum Probe {
        /** +1 / -1 with equal probability (the lower-variance choice, the reference's default). */
        RADEMACHER,
        /** Standard normal. */
        GAUSSIAN
    }

    private final Probe probe;
    private final int probes;

    /**
     * @param probe the probe distribution
     * @param probes the number of probes averaged per evaluation, &gt;= 1
     */
    public HutchinsonDivergence(Probe probe, int probes) {
        this.probe = Checks.notNull("probe", probe);
        this.probes = Checks.positive("probes", probes);
    }

    @Override
    public Session start(ScoreFunction score, int batch, DataType dataType, RandomSource rng) {
        if (!(score instanceof DifferentiableScore ds)) {
            throw new IllegalArgumentException("The Hutchinson estimator needs a score model with input gradients "
                    + "(DifferentiableScore); got " + score.getClass().getSimpleName());
        }
        Checks.notNull("rng", rng);
        long[] shape = score.sampleShape();
        INDArray[] v = new INDArray[probes];
        for (int p = 0; p < probes; p++) {
            RandomSource r = rng.stream(p);
            v[p] = probe == Probe.RADEMACHER ? r.rademacher(dataType, 0, batch, shape)
                    : r.gaussian(dataType, 0, batch, shape);
        }
        return new Session() {
            @Override
            public INDArray[] scoreAndDivergence(INDArray x, INDArray t) {
                INDArray[] first = ds.scoreAndJacobianQuadraticForm(x, t, v[0]);
                if (probes == 1 && first[1].length() == batch && first[1].dataType() == x.dataType()) {
                    // one probe: its quadratic form is the estimate, in the array the model made
                    return first;
                }
                double[] div = new double[batch];
                for (int p = 0; p < probes; p++) {
                    INDArray form = checkedForm(p == 0 ? first[1] : ds.jacobianQuadraticForm(x, t, v[p]), batch);
                    double[] q = NdArrays.toDoubles(form);
                    NdArrays.release(form);
                    for (int b = 0; b < batch; b++) {
                        div[b] += q[b] / probes;
                    }
                }
                return new INDArray[] {first[0], NdArrays.of(div, x.dataType(), batch)};
            }

            /** The probes, as large as the data: freed when the solve ends, not left to the collector. */
            @Override
            public void close() {
                NdArrays.release(v);
            }
        };
    }

    /** A model's quadratic form, after checking that it holds one value per example. */
    private static INDArray checkedForm(INDArray form, int batch) {
        if (form.length() != batch) {
            throw new IllegalStateException("the Jacobian's quadratic form must hold one value per example ("
                    + batch + "); got " + form.length());
        }
        return form;
    }

    @Override
    public String toString() {
        return "HutchinsonDivergence[probe=" + probe + ", probes=" + probes + "]";
    }
}
