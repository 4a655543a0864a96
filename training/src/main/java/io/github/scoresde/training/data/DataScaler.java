package io.github.scoresde.training.data;

import io.github.scoresde.core.Checks;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An affine per-dimension map between data space and the model's space, y = (x - shift) / scale,
 * stored with the model so that samples come back in data units. Kinds: identity, standardise
 * (zero mean, unit variance) and min-max to [-1, 1].
 */
public final class DataScaler {
    /** The kind of scaling. */
    public enum Kind {
        /** y = x. */
        IDENTITY,
        /** y = (x - mean) / std per dimension. */
        STANDARDIZE,
        /** y = 2 (x - min) / (max - min) - 1 per dimension. */
        MIN_MAX
    }

    private final Kind kind;
    private final double[] shift;
    private final double[] scale;

    private DataScaler(Kind kind, double[] shift, double[] scale) {
        this.kind = kind;
        this.shift = shift;
        this.scale = scale;
    }

    /** The identity for d dimensions. */
    public static DataScaler identity(int d) {
        double[] one = new double[d];
        Arrays.fill(one, 1);
        return new DataScaler(Kind.IDENTITY, new double[d], one);
    }

    /**
     * Fits a scaler of the given kind to data {@code [n, d]}.
     *
     * @throws IllegalArgumentException for a constant dimension (nothing to scale by)
     */
    public static DataScaler fit(Kind kind, INDArray data) {
        Checks.notNull("kind", kind);
        Checks.notNull("data", data);
        if (data.rank() != 2 || data.size(0) < 2) {
            throw new IllegalArgumentException("data must have shape [n, d] with n >= 2; got "
                    + Arrays.toString(data.shape()));
        }
        int d = (int) data.size(1);
        if (kind == Kind.IDENTITY) {
            return identity(d);
        }
        INDArray x = data.castTo(DataType.DOUBLE);
        double[] shift = new double[d];
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            INDArray col = x.getColumn(j);
            if (kind == Kind.STANDARDIZE) {
                shift[j] = col.meanNumber().doubleValue();
                scale[j] = col.stdNumber().doubleValue();
            } else {
                double lo = col.minNumber().doubleValue();
                double hi = col.maxNumber().doubleValue();
                shift[j] = (lo + hi) / 2;
                scale[j] = (hi - lo) / 2;
            }
            if (!(scale[j] > 0)) {
                throw new IllegalArgumentException("column " + j + " of the data is constant; cannot scale it");
            }
        }
        return new DataScaler(kind, shift, scale);
    }

    /** The kind. */
    public Kind kind() {
        return kind;
    }

    /** Data to model space, a new float32 array. */
    public INDArray transform(INDArray x) {
        check(x);
        INDArray s = Nd4j.createFromArray(shift).reshape(1, shift.length);
        INDArray c = Nd4j.createFromArray(scale).reshape(1, scale.length);
        return x.castTo(DataType.DOUBLE).subRowVector(s).diviRowVector(c).castTo(DataType.FLOAT);
    }

    /** Model to data space, a new float32 array. */
    public INDArray inverse(INDArray y) {
        check(y);
        INDArray s = Nd4j.createFromArray(shift).reshape(1, shift.length);
        INDArray c = Nd4j.createFromArray(scale).reshape(1, scale.length);
        return y.castTo(DataType.DOUBLE).mulRowVector(c).addiRowVector(s).castTo(DataType.FLOAT);
    }

    /** ln |det d(model)/d(data)| = -sum_j ln scale_j: add to a model-space log-density to get data units. */
    public double logJacobian() {
        double s = 0;
        for (double c : scale) {
            s -= Math.log(c);
        }
        return s;
    }

    private void check(INDArray x) {
        Checks.batchOf("x", x, new long[] {shift.length});
    }

    /** Serialises to one line: kind;shift values;scale values. */
    public String toText() {
        return kind + ";" + join(shift) + ";" + join(scale);
    }

    /**
     * Reads {@link #toText()}.
     *
     * @throws IllegalArgumentException for malformed text
     */
    public static DataScaler fromText(String text) {
        String[] parts = String.valueOf(text).trim().split(";", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("malformed scaler \"" + text + "\": expected kind;shift;scale");
        }
        double[] shift = parse(parts[1]);
        double[] scale = parse(parts[2]);
        if (shift.length != scale.length || shift.length == 0) {
            throw new IllegalArgumentException("malformed scaler \"" + text + "\": shift and scale differ in length");
        }
        return new DataScaler(Kind.valueOf(parts[0]), shift, scale);
    }

    private static String join(double[] v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", Double.toString(v[i])));
        }
        return b.toString();
    }

    private static double[] parse(String s) {
        return Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    @Override
    public String toString() {
        return "DataScaler[" + kind + ", shift=" + Arrays.toString(shift) + ", scale=" + Arrays.toString(scale) + "]";
    }
}
