package io.github.scoresde.core.kernels;

import io.github.scoresde.core.NdArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The image U-Net's array kernels besides its GroupNorm + SiLU block ({@link GroupNormSilu}): the
 * per-example add of its skip connections' gradients and the 3x3 convolutions whose image side has
 * few channels. As in {@link Kernels}, the provider's Vector API implementations serve float32
 * arrays in the layouts they need; otherwise the add runs as an ND4J op and the convolutions
 * decline (return false), so that the caller runs libnd4j's convolution op.
 */
public final class ConvKernels {
    private ConvKernels() {
    }

    /**
     * target += source, element-wise, in place. Both {@code [B, ...]} of one shape; either may be
     * a view whose examples are each contiguous but lie apart (a channel slice of a larger array),
     * where ND4J's strided add runs an order of magnitude slower than a contiguous one.
     *
     * @return target
     */
    public static INDArray addInto(INDArray target, INDArray source) {
        if (!Arrays.equals(target.shape(), source.shape())) {
            throw new IllegalArgumentException("source must have the shape " + Arrays.toString(target.shape())
                    + " of target; got " + Arrays.toString(source.shape()));
        }
        Kernels.VectorOps v = Kernels.vectorOps();
        if (v != null && target.rank() >= 2 && examplesContiguous(target) && examplesContiguous(source)) {
            v.addInto(target, source, (int) target.size(0), (int) (target.length() / target.size(0)));
            Kernels.keepAlive(target, source);
            return target;
        }
        return target.addi(source.castTo(target.dataType()));
    }

    /**
     * float32, row-major, each example's values ({@code a[b, ...]}) adjacent, examples possibly
     * apart (a slice of the channels of a larger array), int-addressable: what the per-example
     * kernels read.
     */
    static boolean examplesContiguous(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || a.rank() < 1 || a.length() == 0) {
            return false;
        }
        long expected = 1;
        long[] shape = a.shape();
        long[] stride = a.stride();
        for (int i = shape.length - 1; i >= 1; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        long last = a.offset() + (shape[0] - 1) * Math.max(expected, stride[0]) + expected;
        return (shape[0] == 1 || stride[0] >= expected) && last * 4L <= Integer.MAX_VALUE;
    }

    /**
     * A 3x3, stride-1, unpadded convolution from an image-side array of few channels to features:
     * {@code features[b, c, i, j] = sum_{k, ky, kx} w[ky, kx, k, c] image[b, k, i + ky, j + kx]}.
     * With one image channel libnd4j's oneDNN convolutions run such layers several times below
     * their speed on wider ones (docs/performance.md); the provider's kernel does them directly.
     * The same operation is the input gradient of {@link #narrowConvTranspose}.
     *
     * @param image {@code [B, k, H, W]}
     * @param weights {@code [3, 3, k, C]} (a convolution's [kH, kW, in, out], a transposed
     *     convolution's [kH, kW, out, in])
     * @param features receives {@code [B, C, H - 2, W - 2]}
     * @return false when no provider serves or the arrays are not float32 and dense row-major
     *     (nothing done: the caller runs its libnd4j op)
     */
    public static boolean narrowConv(INDArray image, INDArray weights, INDArray features) {
        Kernels.VectorOps v = Kernels.vectorOps();
        if (v == null || !narrowShapes(image, weights, features) || !dense(image, weights, features)) {
            return false;
        }
        v.narrowConv(image, NdArrays.toFloats(weights), features);
        Kernels.keepAlive(image, features);
        return true;
    }

    /**
     * The transposed convolution of {@link #narrowConv}, with a bias per image channel:
     * {@code image[b, k, y, x] = bias[k] + sum_{c, ky, kx} w[ky, kx, k, c] features[b, c, y - ky, x - kx]};
     * also the input gradient of {@link #narrowConv}.
     *
     * @param features {@code [B, C, h, w]}
     * @param weights {@code [3, 3, k, C]}
     * @param bias {@code [k]}, or null
     * @param image receives {@code [B, k, h + 2, w + 2]}
     * @return false when nothing was done (as {@link #narrowConv})
     */
    public static boolean narrowConvTranspose(INDArray features, INDArray weights, INDArray bias, INDArray image) {
        Kernels.VectorOps v = Kernels.vectorOps();
        if (v == null || !narrowShapes(image, weights, features) || !dense(image, weights, features)
                || (bias != null && bias.length() != image.size(1))) {
            return false;
        }
        v.narrowConvTranspose(features, NdArrays.toFloats(weights), bias == null ? null : NdArrays.toFloats(bias),
                image);
        Kernels.keepAlive(image, features);
        return true;
    }

    /**
     * The weights' gradient of {@link #narrowConv} and {@link #narrowConvTranspose}:
     * {@code grad[ky, kx, k, c] = sum_{b, i, j} image[b, k, i + ky, j + kx] features[b, c, i, j]},
     * where image is the image-side array (the convolution's input or the transposed
     * convolution's output gradient) and features the other.
     *
     * @param gradWeights receives {@code [3, 3, k, C]}
     * @return false when nothing was done (as {@link #narrowConv})
     */
    public static boolean narrowConvWeightGradient(INDArray image, INDArray features, INDArray gradWeights) {
        Kernels.VectorOps v = Kernels.vectorOps();
        if (v == null || !narrowShapes(image, gradWeights, features) || !dense(image, features)) {
            return false;
        }
        double[] g = v.narrowConvWeightGradient(image, features);
        Kernels.keepAlive(image, features);
        gradWeights.assign(Nd4j.createFromArray(g).reshape(gradWeights.shape()).castTo(gradWeights.dataType()));
        return true;
    }

    private static boolean narrowShapes(INDArray image, INDArray weights, INDArray features) {
        return image.rank() == 4 && features.rank() == 4 && weights.rank() == 4 && image.size(0) == features.size(0)
                && features.size(2) == image.size(2) - 2 && features.size(3) == image.size(3) - 2
                && weights.size(0) == 3 && weights.size(1) == 3 && weights.size(2) == image.size(1)
                && weights.size(3) == features.size(1);
    }

    /** float32, row-major, elements adjacent, int-addressable. */
    private static boolean dense(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!Kernels.adjacent(a, 'c', DataType.FLOAT) || a.length() == 0) {
                return false;
            }
        }
        return true;
    }
}
