package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Colorization (Song et al. 2021, Appendix I; docs/math.md section 9) of colour images
 * {@code [n, 3, H, W]} given each pixel's grey value (the mean of its channels): inpainting in
 * the per-pixel orthogonal grey / colour basis {@link ChannelBasis#greyColour()}, whose first
 * coordinate, sqrt 3 times the grey value, is observed. A 3 x 3 transform per pixel, applied
 * channel by channel.
 */
public final class Colorization extends Inpainting {

    private Colorization(INDArray mask, INDArray observed) {
        super(mask, observed, false, ChannelBasis.greyColour());
    }

    /**
     * @param grey the grey value of each pixel, in the model's coordinates: {@code [H, W]} or
     *     {@code [1, H, W]} for one image, {@code [n, H, W]} or {@code [n, 1, H, W]} per sample
     */
    public static Colorization of(INDArray grey) {
        Checks.notNull("grey", grey);
        long[] s = grey.shape();
        INDArray g;
        if (grey.rank() == 2) {
            g = grey.reshape(1, 1, s[0], s[1]);
        } else if (grey.rank() == 3) {
            g = grey.reshape(s[0], 1, s[1], s[2]);
        } else if (grey.rank() == 4 && s[1] == 1) {
            g = grey;
        } else {
            throw new IllegalArgumentException("grey must be [H, W], [n, H, W] or [n, 1, H, W]; got "
                    + Arrays.toString(s));
        }
        long n = g.size(0);
        long h = g.size(2);
        long w = g.size(3);
        INDArray observed = Nd4j.zeros(DataType.FLOAT, n, 3, h, w);
        observed.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all())
                .assign(g.castTo(DataType.FLOAT).reshape(n, h, w).mul(Math.sqrt(3)));
        INDArray mask = Nd4j.zeros(DataType.FLOAT, 3, h, w);
        mask.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all()).assign(1);
        return new Colorization(mask, grey.rank() == 2 ? observed.reshape(3, h, w) : observed);
    }

    /** The grey value (mean of the channels) of images {@code [n, 3, H, W]}: {@code [n, 1, H, W]}. */
    public static INDArray grey(INDArray images) {
        if (images.rank() != 4 || images.size(1) != 3) {
            throw new IllegalArgumentException("images must be [n, 3, H, W]; got " + Arrays.toString(images.shape()));
        }
        return images.mean(true, 1);
    }
}
