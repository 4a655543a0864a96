package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.samplers.StepContext;
import io.github.scoresde.samplers.StepResult;
import io.github.scoresde.sde.Sde;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inpainting (Song et al. 2021, Appendix I; docs/math.md section 9): after every corrector and
 * predictor step the observed coordinates are replaced by a fresh draw of their forward marginal
 * at the state's time, x = (1 - M) x + M (m(t) y + s(t) z), and the step's mean by
 * (1 - M) x_mean + M m(t) y. Works on the flattened sample, optionally in an orthogonal basis W
 * (u = x W, the mask and observation given in u-coordinates): because the forward noise is
 * isotropic, u has the same marginals, which is how {@link Colorization} works.
 *
 * <p>Departure from the reference code: the observed part starts from its noised value at T,
 * m(T) y + s(T) z, rather than from y itself (which users reported as out of distribution); the
 * unobserved part starts from the prior.
 *
 * <p>One observation conditions every sample ({@code observed} of the sample's shape), or one per
 * sample ({@code [n, sampleShape...]}, sample i conditioned on row i).
 */
public class Inpainting implements Conditioning {
    private static final int SLOT = 1000;

    private final INDArray mask;
    private final INDArray observed;
    private final INDArray basis;
    private final long dim;

    /**
     * @param mask 1 for observed, 0 for free coordinates, shaped like one sample (in the basis)
     * @param observed the observed values (in the basis): one sample's shape, or {@code [n, ...]}
     * @param basis an orthogonal {@code [D, D]} matrix W (u = x W over the flattened sample), or
     *     null for the identity
     */
    protected Inpainting(INDArray mask, INDArray observed, INDArray basis) {
        Checks.notNull("mask", mask);
        Checks.notNull("observed", observed);
        this.dim = mask.length();
        double[] mv = Checks.flat(mask);
        for (int i = 0; i < mv.length; i++) {
            if (mv[i] != 0 && mv[i] != 1) {
                throw new IllegalArgumentException("mask must hold only 0 and 1; got " + mv[i] + " at flat index " + i);
            }
        }
        boolean single = Arrays.equals(observed.shape(), mask.shape());
        boolean perSample = observed.rank() == mask.rank() + 1
                && Arrays.equals(Arrays.copyOfRange(observed.shape(), 1, observed.rank()), mask.shape());
        if (!single && !perSample) {
            throw new IllegalArgumentException("observed must have the mask's shape " + Arrays.toString(mask.shape())
                    + " or [n, " + Arrays.toString(mask.shape()).replaceAll("[\\[\\]]", "") + "]; got "
                    + Arrays.toString(observed.shape()));
        }
        Checks.allFinite("observed", observed);
        if (basis != null && (basis.rank() != 2 || basis.size(0) != dim || basis.size(1) != dim)) {
            throw new IllegalArgumentException("basis must be [" + dim + ", " + dim + "]; got "
                    + Arrays.toString(basis.shape()));
        }
        this.mask = Nd4j.createFromArray(mv).castTo(DataType.FLOAT).reshape(1, dim);
        this.observed = observed.castTo(DataType.FLOAT).reshape(single ? 1 : observed.size(0), dim);
        this.basis = basis == null ? null : basis.castTo(DataType.FLOAT);
    }

    /**
     * Inpainting in the data's own coordinates.
     *
     * @param mask 1 = observed, shaped like one sample
     * @param observed the observation: one sample's shape, or one per sample {@code [n, ...]}
     */
    public static Inpainting of(INDArray mask, INDArray observed) {
        return new Inpainting(mask, observed, null);
    }

    private INDArray rowsOf(long first, int rows) {
        if (observed.size(0) == 1) {
            return observed.repeat(0, rows);
        }
        if (first + rows > observed.size(0)) {
            throw new IllegalArgumentException("observed holds " + observed.size(0) + " rows but samples up to index "
                    + (first + rows - 1) + " were requested");
        }
        return observed.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(first, first + rows)).dup();
    }

    private INDArray toBasis(INDArray flat) {
        return basis == null ? flat : flat.mmul(basis);
    }

    private INDArray fromBasis(INDArray u) {
        return basis == null ? u : u.mmul(basis.transpose());
    }

    /** Replaces the observed coordinates of x by a draw of their marginal at {@code time}. */
    private INDArray project(StepContext ctx, INDArray x, double time, int slot, boolean noisy) {
        int rows = (int) x.size(0);
        Sde sde = ctx.sde();
        double m = sde.meanCoefficient(time);
        double s = sde.marginalStd(time);
        INDArray u = toBasis(x.reshape(rows, dim).castTo(DataType.FLOAT));
        INDArray y = rowsOf(ctx.firstIndex(), rows).muli(m);
        if (noisy) {
            y.addi(ctx.noise(slot).reshape(rows, dim).castTo(DataType.FLOAT).muli(s));
        }
        INDArray keep = mask.rsub(1);
        INDArray out = u.mulRowVector(keep).addi(y.mulRowVector(mask));
        return fromBasis(out).reshape(x.shape()).castTo(x.dataType());
    }

    @Override
    public io.github.scoresde.core.ScoreFunction score(io.github.scoresde.core.ScoreFunction score, Sde sde,
            long firstIndex, int rows) {
        if (score.sampleSize() != dim) {
            throw new IllegalArgumentException("the mask has " + dim + " values but samples have shape "
                    + Arrays.toString(score.sampleShape()));
        }
        return score;
    }

    @Override
    public INDArray initial(StepContext ctx, INDArray prior) {
        return project(ctx, prior, ctx.sde().horizon(), 0, true);
    }

    @Override
    public StepResult afterStep(StepContext ctx, StepResult result, Stage stage, double time) {
        INDArray x = project(ctx, result.x(), time, SLOT + stage.ordinal(), true);
        INDArray mean = result.mean() == result.x() ? x : project(ctx, result.mean(), time, 0, false);
        return new StepResult(x, mean);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[observed coordinates " + mask.sumNumber().intValue() + " of " + dim + "]";
    }
}
