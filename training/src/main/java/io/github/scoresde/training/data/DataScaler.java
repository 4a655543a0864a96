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
public final class DataScaler implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
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
     * The fixed map of [lo, hi] to [-1, 1] in every one of d dimensions ({@link Kind#MIN_MAX}), e.g.
     * pixels in [0, 1] to [-1, 1].
     */
    public static DataScaler range(int d, double lo, double hi) {
        Checks.positive("d", d);
        Checks.finite("lo", lo);
        Checks.finite("hi", hi);
        if (!(hi > lo)) {
            throw new IllegalArgumentException("the range must have hi > lo; got [" + lo + ", " + hi + "]");
        }
        double[] shift = new double[d];
        double[] scale = new double[d];
        Arrays.fill(shift, (lo + hi) / 2);
        Arrays.fill(scale, (hi - lo) / 2);
        return new DataScaler(Kind.MIN_MAX, shift, scale);
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

    /**
     * Data to model space, a new float32 array of the shape of x: {@code [n, d]}, or
     * {@code [n, ...]} with d values per example (images).
     */
    public INDArray transform(INDArray x) {
        INDArray flat = flat(x);
        INDArray s = Nd4j.createFromArray(shift).reshape(1, shift.length);
        INDArray c = Nd4j.createFromArray(scale).reshape(1, scale.length);
        return flat.castTo(DataType.DOUBLE).subRowVector(s).diviRowVector(c).castTo(DataType.FLOAT).reshape(x.shape());
    }

    /** Model to data space, a new float32 array of the shape of y (as {@link #transform}). */
    public INDArray inverse(INDArray y) {
        INDArray flat = flat(y);
        INDArray s = Nd4j.createFromArray(shift).reshape(1, shift.length);
        INDArray c = Nd4j.createFromArray(scale).reshape(1, scale.length);
        return flat.castTo(DataType.DOUBLE).mulRowVector(c).addiRowVector(s).castTo(DataType.FLOAT).reshape(y.shape());
    }

    /** The number of dimensions d of one example. */
    public int dimension() {
        return shift.length;
    }

    private INDArray flat(INDArray x) {
        Checks.notNull("x", x);
        if (x.rank() > 2 && x.length() == x.size(0) * shift.length) {
            return x.reshape(x.size(0), shift.length);
        }
        check(x);
        return x;
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
        if (v.length > 1 && Arrays.stream(v).allMatch(a -> a == v[0])) {
            return String.format(Locale.ROOT, "%s", Double.toString(v[0])) + "*" + v.length;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", Double.toString(v[i])));
        }
        return b.toString();
    }

    private static double[] parse(String s) {
        int star = s.indexOf('*');
        if (star > 0) {
            double[] v = new double[Integer.parseInt(s.substring(star + 1).trim())];
            Arrays.fill(v, Double.parseDouble(s.substring(0, star)));
            return v;
        }
        return Arrays.stream(s.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    @Override
    public String toString() {
        return "DataScaler[" + kind + ", shift=" + Arrays.toString(shift) + ", scale=" + Arrays.toString(scale) + "]";
    }
}
