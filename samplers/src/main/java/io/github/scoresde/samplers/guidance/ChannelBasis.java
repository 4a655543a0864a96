package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * An orthogonal C x C matrix W applied to the channels of every pixel of images {@code [n, C, H, W]}:
 * u[:, j] = sum_i W[i][j] x[:, i] (u = W^T x per pixel), and back x = W u. Orthogonal, so isotropic
 * noise stays isotropic: inpainting in u-coordinates is exact (docs/math.md section 9). Immutable.
 */
public final class ChannelBasis {
    private final double[][] w;

    private ChannelBasis(double[][] w) {
        this.w = w;
    }

    /**
     * The basis with columns w_j = {@code columns[.][j]}.
     *
     * @throws IllegalArgumentException unless the matrix is square and orthogonal to 1e-9
     */
    public static ChannelBasis of(double[][] matrix) {
        Checks.notNull("matrix", matrix);
        int c = matrix.length;
        for (double[] row : matrix) {
            if (row == null || row.length != c) {
                throw new IllegalArgumentException("the channel basis must be a square matrix; got " + c + " rows of "
                        + (row == null ? "null" : row.length));
            }
        }
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                double dot = 0;
                for (int k = 0; k < c; k++) {
                    dot += matrix[k][i] * matrix[k][j];
                }
                if (Math.abs(dot - (i == j ? 1 : 0)) > 1e-9) {
                    throw new IllegalArgumentException("the channel basis must be orthogonal; columns " + i + " and "
                            + j + " have dot product " + dot);
                }
            }
        }
        double[][] copy = new double[c][];
        for (int i = 0; i < c; i++) {
            copy[i] = matrix[i].clone();
        }
        return new ChannelBasis(copy);
    }

    /**
     * The grey / colour basis of colorization: w_0 = (1, 1, 1) / sqrt 3 (u_0 = sqrt 3 times the
     * grey value, the mean of the channels), w_1 = (1, -1, 0) / sqrt 2, w_2 = (1, 1, -2) / sqrt 6.
     */
    public static ChannelBasis greyColour() {
        double a = 1 / Math.sqrt(3);
        double b = 1 / Math.sqrt(2);
        double c = 1 / Math.sqrt(6);
        return new ChannelBasis(new double[][] {{a, b, c}, {a, -b, c}, {a, 0, -2 * c}});
    }

    /** C, the number of channels. */
    public int channels() {
        return w.length;
    }

    /** u = W^T x per pixel for images {@code [n, C, H, W]}: a new array of x's shape and type. */
    public INDArray toBasis(INDArray x) {
        return apply(x, false);
    }

    /** x = W u per pixel: the inverse of {@link #toBasis}. */
    public INDArray fromBasis(INDArray u) {
        return apply(u, true);
    }

    private INDArray apply(INDArray x, boolean inverse) {
        int c = w.length;
        if (x.rank() != 4 || x.size(1) != c) {
            throw new IllegalArgumentException("images must be [n, " + c + ", H, W]; got " + Arrays.toString(x.shape()));
        }
        INDArray out = Nd4j.zeros(x.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT, x.shape());
        for (int j = 0; j < c; j++) {
            INDArray target = out.get(NDArrayIndex.all(), NDArrayIndex.point(j), NDArrayIndex.all(), NDArrayIndex.all());
            for (int i = 0; i < c; i++) {
                double coefficient = inverse ? w[j][i] : w[i][j];
                if (coefficient != 0) {
                    target.addi(x.get(NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all())
                            .mul(coefficient));
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ChannelBasis[" + w.length + " channels]";
    }
}
