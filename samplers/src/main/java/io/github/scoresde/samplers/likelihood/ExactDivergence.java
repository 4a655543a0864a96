package io.github.scoresde.samplers.likelihood;

import io.github.scoresde.core.DifferentiableScore;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreDivergence;
import io.github.scoresde.core.ScoreFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact divergence of the score: the model's own closed form when it is a
 * {@link ScoreDivergence}, otherwise the trace of its Jacobian from d vector-Jacobian products
 * e_j^T (ds/dx) e_j (one per dimension, fine for small d) when it is a {@link DifferentiableScore}.
 */
public final class ExactDivergence implements DivergenceEstimator {
    static final ExactDivergence INSTANCE = new ExactDivergence();

    private ExactDivergence() {
    }

    @Override
    public Session start(ScoreFunction score, int batch, DataType dataType, RandomSource rng) {
        if (score instanceof ScoreDivergence sd) {
            return sd::scoreAndDivergence;
        }
        if (score instanceof DifferentiableScore ds) {
            long dim = ds.sampleSize();
            return (x, t) -> {
                INDArray s = ds.score(x, t);
                INDArray div = Nd4j.zeros(x.dataType(), batch);
                for (long j = 0; j < dim; j++) {
                    INDArray e = Nd4j.zeros(x.dataType(), batch, dim);
                    e.getColumn(j).assign(1);
                    INDArray vjp = ds.vectorJacobianProduct(x, t, e.reshape(x.shape()));
                    div.addi(vjp.reshape(batch, dim).getColumn(j));
                    NdArrays.release(e, vjp);
                }
                return new INDArray[] {s, div};
            };
        }
        throw new IllegalArgumentException("The exact divergence needs a score model with an exact divergence "
                + "(ScoreDivergence) or input gradients (DifferentiableScore); got " + score.getClass().getSimpleName());
    }

    @Override
    public String toString() {
        return "ExactDivergence";
    }
}
