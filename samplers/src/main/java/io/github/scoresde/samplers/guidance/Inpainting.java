package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.samplers.StepContext;
import io.github.scoresde.samplers.StepResult;
import io.github.scoresde.sde.Sde;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Inpainting (Song et al. 2021, Appendix I; docs/math.md section 9): after every step the observed
 * values are replaced by a fresh draw of their forward marginal at the state's time,
 * x = (1 - M) x + M (m(t) y + s(t) z), and the step's mean by (1 - M) x_mean + M m(t) y, element by
 * element (no matrix). Optionally in coordinates u = W^T x given by an orthogonal
 * {@link ChannelBasis} across the channels of every pixel (mask and observation then given in u):
 * the forward noise is isotropic, so u has the same marginals; that is how {@link Colorization}
 * works.
 *
 * <p>Shapes (S the sample shape, e.g. {@code [2]} for points or {@code [C, H, W]} for images):
 * the mask is S, {@code [H, W]} for images (the same pixels known in every channel), or one per
 * sample, {@code [n, S...]} or {@code [n, H, W]} ({@link #perSample}); the observation is S (one
 * for every sample) or {@code [n, S...]} (sample i conditioned on row i). Masks hold 1 for known,
 * 0 for free values. Shapes are checked against the score's sample shape when sampling starts.
 *
 * <p>Departure from the reference code: the observed part starts from its noised value at T,
 * m(T) y + s(T) z, rather than from y itself; the unobserved part starts from the prior. Works
 * with the predictor-corrector sampler and the few-step samplers (their conditioning hook).
 */
public class Inpainting implements Conditioning {
    private static final int SLOT = 1000;

    private final INDArray maskInput;
    private final INDArray observedInput;
    private final boolean maskPerSample;
    private final ChannelBasis basis;
    private volatile Resolved resolved;

    /** The mask and observation as flat rows for one sample shape. */
    private record Resolved(long[] sampleShape, INDArray mask, INDArray observed) {
    }

    /**
     * @param mask 1 for observed, 0 for free values (in the basis's coordinates)
     * @param observed the observed values (in the basis's coordinates)
     * @param maskPerSample whether the mask's first axis indexes samples
     * @param basis the per-pixel channel basis, or null for the data's own coordinates
     */
    protected Inpainting(INDArray mask, INDArray observed, boolean maskPerSample, ChannelBasis basis) {
        Checks.notNull("mask", mask);
        Checks.notNull("observed", observed);
        double[] mv = Checks.flat(mask);
        for (int i = 0; i < mv.length; i++) {
            if (mv[i] != 0 && mv[i] != 1) {
                throw new IllegalArgumentException("mask must hold only 0 and 1; got " + mv[i] + " at flat index " + i);
            }
        }
        Checks.allFinite("observed", observed);
        if (maskPerSample && mask.rank() < 2) {
            throw new IllegalArgumentException("per-sample masks must be [n, ...]; got " + Arrays.toString(mask.shape()));
        }
        this.maskInput = mask.castTo(DataType.FLOAT);
        this.observedInput = observed.castTo(DataType.FLOAT);
        this.maskPerSample = maskPerSample;
        this.basis = basis;
        if (!maskPerSample && observed.rank() < mask.rank()) {
            throw new IllegalArgumentException("observed must have the mask's shape " + Arrays.toString(mask.shape())
                    + " or [n, " + Arrays.toString(mask.shape()).replaceAll("[\\[\\]]", "") + "]; got "
                    + Arrays.toString(observed.shape()));
        }
        if (!maskPerSample && mask.rank() == observed.rank() && !Arrays.equals(mask.shape(), observed.shape())
                && mask.rank() != 2) {
            throw new IllegalArgumentException("observed must have the mask's shape " + Arrays.toString(mask.shape())
                    + " or [n, " + Arrays.toString(mask.shape()).replaceAll("[\\[\\]]", "") + "]; got "
                    + Arrays.toString(observed.shape()));
        }
    }

    /**
     * Inpainting in the data's own coordinates with one mask for every sample.
     *
     * @param mask 1 = observed: shaped like one sample, or {@code [H, W]} for images
     * @param observed the observation: one sample's shape, or one per sample {@code [n, ...]}
     */
    public static Inpainting of(INDArray mask, INDArray observed) {
        return new Inpainting(mask, observed, false, null);
    }

    /**
     * Inpainting with one mask per sample: mask i and observation i condition sample i.
     *
     * @param masks {@code [n, sampleShape...]} or, for images, {@code [n, H, W]}
     * @param observed {@code [n, sampleShape...]}, or one sample's shape for all
     */
    public static Inpainting perSample(INDArray masks, INDArray observed) {
        return new Inpainting(masks, observed, true, null);
    }

    private Resolved resolve(long[] shape) {
        Resolved r = resolved;
        if (r != null && Arrays.equals(r.sampleShape(), shape)) {
            return r;
        }
        long dim = 1;
        for (long d : shape) {
            dim *= d;
        }
        long[] pixels = shape.length == 3 ? new long[] {shape[1], shape[2]} : null;
        // the observation: one sample, or [n, shape]
        long[] o = observedInput.shape();
        INDArray observed;
        if (Arrays.equals(o, shape)) {
            observed = observedInput.reshape(1, dim);
        } else if (o.length == shape.length + 1 && Arrays.equals(Arrays.copyOfRange(o, 1, o.length), shape)) {
            observed = observedInput.reshape(o[0], dim);
        } else {
            throw new IllegalArgumentException("observed must have the sample shape " + Arrays.toString(shape)
                    + " or [n, " + Arrays.toString(shape).replaceAll("[\\[\\]]", "") + "]; got " + Arrays.toString(o));
        }
        // the mask: the sample shape, or [H, W] for images; per sample with a leading n
        long[] m = maskInput.shape();
        long rows = maskPerSample ? m[0] : 1;
        long[] one = maskPerSample ? Arrays.copyOfRange(m, 1, m.length) : m;
        INDArray mask;
        if (Arrays.equals(one, shape)) {
            mask = maskInput.reshape(rows, dim);
        } else if (pixels != null && Arrays.equals(one, pixels)) {
            mask = maskInput.reshape(rows, 1, pixels[0], pixels[1]).repeat(1, shape[0]).reshape(rows, dim);
        } else {
            throw new IllegalArgumentException("the mask has shape " + Arrays.toString(m) + " but samples have shape "
                    + Arrays.toString(shape) + "; a mask is " + (maskPerSample ? "[n, " : "[")
                    + Arrays.toString(shape).replaceAll("[\\[\\]]", "") + "]" + (pixels != null ? " or "
                    + (maskPerSample ? "[n, " : "[") + pixels[0] + ", " + pixels[1] + "]" : ""));
        }
        if (basis != null && (shape.length != 3 || shape[0] != basis.channels())) {
            throw new IllegalArgumentException(basis + " needs samples of shape [" + basis.channels()
                    + ", H, W]; got " + Arrays.toString(shape));
        }
        r = new Resolved(shape.clone(), mask, observed);
        resolved = r;
        return r;
    }

    private static INDArray rowsOf(INDArray a, String what, long first, int rows) {
        if (a.size(0) == 1) {
            return a.repeat(0, rows);
        }
        if (first + rows > a.size(0)) {
            throw new IllegalArgumentException(what + " holds " + a.size(0) + " rows but samples up to index "
                    + (first + rows - 1) + " were requested");
        }
        return a.get(NDArrayIndex.interval(first, first + rows)).dup();
    }

    /** Replaces the observed values of x by a draw of their marginal at {@code time}. */
    private INDArray project(StepContext ctx, INDArray x, double time, int slot, boolean noisy) {
        Resolved r = resolve(Arrays.copyOfRange(x.shape(), 1, x.rank()));
        int rows = (int) x.size(0);
        long dim = r.mask().size(1);
        Sde sde = ctx.sde();
        double m = sde.meanCoefficient(time);
        double s = sde.marginalStd(time);
        INDArray u = basis == null ? x.castTo(DataType.FLOAT).reshape(rows, dim)
                : basis.toBasis(x.castTo(DataType.FLOAT)).reshape(rows, dim);
        INDArray y = rowsOf(r.observed(), "observed", ctx.firstIndex(), rows).muli(m);
        if (noisy && s > 0) {
            y.addi(ctx.noise(slot).reshape(rows, dim).castTo(DataType.FLOAT).muli(s));
        }
        INDArray mask = rowsOf(r.mask(), "the masks", ctx.firstIndex(), rows);
        // (1 - M) u + M y = u + M (y - u)
        INDArray out = u.add(y.subi(u).muli(mask));
        INDArray shaped = out.reshape(x.shape());
        return (basis == null ? shaped : basis.fromBasis(shaped)).castTo(x.dataType());
    }

    @Override
    public ScoreFunction score(ScoreFunction score, Sde sde, long firstIndex, int rows) {
        resolve(score.sampleShape());
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
        return getClass().getSimpleName() + "[mask " + Arrays.toString(maskInput.shape()) + ", "
                + maskInput.sumNumber().longValue() + " known" + (basis != null ? ", " + basis : "") + "]";
    }
}
