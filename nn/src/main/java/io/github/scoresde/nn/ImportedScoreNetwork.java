package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network trained elsewhere and imported as a SameDiff graph (the {@code onnx} module's
 * {@code OnnxImport}; docs/interop.md): net(x, time input) with the time input computed from t by
 * its {@link TimeInput}. Samplers, likelihoods and guidance use it through
 * {@link NetworkScoreFunction} like a trained network; input vector-Jacobian products are
 * back-propagated through the imported graph. Inference only: {@link #fit}, {@link #loss},
 * {@link #params} and {@link #withParameters} throw {@link UnsupportedOperationException}.
 *
 * <p>Shapes: x {@code [batch, sampleShape()...]} in the graph's data type (float32 for a PyTorch
 * export), t {@code [batch]}; the graph receives t's time input as a {@code [batch]} array of the
 * same data type. Not thread-safe for concurrent calls on one instance.
 */
public final class ImportedScoreNetwork implements ScoreNetwork {
    private static final String V = "scoresde_vjp_v";
    private static final String LOSS = "scoresde_vjp_loss";

    /**
     * What the graph's file cannot say about its inputs and output.
     *
     * @param x the name of the graph's sample input
     * @param t the name of its time input
     * @param output the name of its output (the shape of x)
     * @param sampleShape one example's shape, without the batch dimension
     * @param timeInput what the time input is
     */
    public record Signature(String x, String t, String output, long[] sampleShape, TimeInput timeInput) {
        /** Validates. */
        public Signature {
            Checks.notNull("x", x);
            Checks.notNull("t", t);
            Checks.notNull("output", output);
            Checks.notNull("timeInput", timeInput);
            sampleShape = Checks.notNull("sampleShape", sampleShape).clone();
            for (long d : sampleShape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("sample dimensions must be positive; got "
                            + Arrays.toString(sampleShape));
                }
            }
        }

        @Override
        public long[] sampleShape() {
            return sampleShape.clone();
        }

        /** The properties a model file records. */
        public String toProperties() {
            StringBuilder shape = new StringBuilder();
            for (long d : sampleShape) {
                shape.append(shape.length() == 0 ? "" : ",").append(d);
            }
            return "graphInput=" + x + "\ngraphTime=" + t + "\ngraphOutput=" + output + "\nsampleShape=" + shape
                    + "\ntimeInput=" + timeInput.toText() + "\n";
        }

        /** Reads {@link #toProperties()}'s keys. */
        public static Signature parse(Map<String, String> props) {
            String[] parts = require(props, "sampleShape").split(",");
            long[] shape = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                shape[i] = Long.parseLong(parts[i].trim());
            }
            return new Signature(require(props, "graphInput").trim(), require(props, "graphTime").trim(),
                    require(props, "graphOutput").trim(), shape, TimeInput.parse(require(props, "timeInput")));
        }

        private static String require(Map<String, String> props, String key) {
            String v = props.get(key);
            if (v == null) {
                throw new IllegalArgumentException("\"" + key + "\" is missing");
            }
            return v;
        }
    }

    private final SameDiff sd;
    private final Signature signature;
    private final DoubleUnaryOperator noiseLevel;
    private final DataType dataType;
    private final SameDiffMemory memory;

    private ImportedScoreNetwork(SameDiff sd, Signature signature, DoubleUnaryOperator noiseLevel) {
        // importers build graphs in eager mode (each op run as it is added); this network runs it as a graph
        sd.setEagerMode(false);
        this.sd = sd;
        this.signature = signature;
        this.noiseLevel = noiseLevel;
        for (String name : new String[] {signature.x(), signature.t(), signature.output()}) {
            if (!sd.hasVariable(name)) {
                throw new IllegalArgumentException("the imported graph has no variable \"" + name + "\"; its inputs are "
                        + sd.inputs() + " and its outputs " + sd.outputs());
            }
        }
        SDVariable x = sd.getVariable(signature.x());
        this.dataType = x.dataType();
        if (!sd.hasVariable(LOSS)) {
            // v^T net(x, t) summed over the batch: its gradient with respect to x is the product
            SDVariable v = sd.placeHolder(V, dataType, io.github.scoresde.core.NdArrays.batchShape(-1,
                    signature.sampleShape()));
            // imported weights are constants, and SameDiff differentiates only a loss that depends on
            // a trainable variable: a unit factor is that variable
            SDVariable one = sd.var("scoresde_vjp_one", Nd4j.scalar(dataType, 1.0));
            sd.sum(sd.getVariable(signature.output()).mul(v)).mul(LOSS, one);
        }
        sd.setLossVariables(LOSS);
        if (sd.getFunction("grad") == null) {
            // built for x explicitly: SameDiff's default builds gradients only on paths from trainable
            // variables, and x, a placeholder, is on none (the weights are constants)
            UNetGraph.quietly(() -> sd.createGradFunction(signature.x()));
        }
        long values = 1;
        for (long d : signature.sampleShape()) {
            values *= d;
        }
        // a guess of a typical U-Net's intermediate arrays: 64 maps of the sample's size
        this.memory = new SameDiffMemory(sd, values * 64 * 4);
    }

    /**
     * Wraps an imported graph.
     *
     * @param graph the graph (owned by the network from now on)
     * @param signature its inputs, output, sample shape and time input
     * @param noiseLevel t -> sigma(t) of the SDE the network was trained for (used by the
     *     noise-level time inputs)
     * @throws IllegalArgumentException when the graph lacks a named variable
     */
    public static ImportedScoreNetwork of(SameDiff graph, Signature signature, DoubleUnaryOperator noiseLevel) {
        return new ImportedScoreNetwork(Checks.notNull("graph", graph), Checks.notNull("signature", signature),
                Checks.notNull("noiseLevel", noiseLevel));
    }

    /** The graph serialised (SameDiff's FlatBuffers form), what a model file holds. */
    public byte[] graphBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sd.save(out, false);
        return out.toByteArray();
    }

    /**
     * Reads {@link #graphBytes()}.
     *
     * @throws IllegalArgumentException when the bytes are not a SameDiff graph
     */
    public static ImportedScoreNetwork fromBytes(byte[] graph, Signature signature, DoubleUnaryOperator noiseLevel) {
        SameDiff sd;
        try {
            sd = SameDiff.load(new ByteArrayInputStream(graph), false);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the stored graph cannot be read (" + e.getMessage() + ")", e);
        }
        return of(sd, signature, noiseLevel);
    }

    /** The signature. */
    public Signature signature() {
        return signature;
    }

    /**
     * The number of floating-point values in the graph's constant and trainable arrays: the
     * weights, plus what the import's rewrites add (a transposed convolution's phase kernels).
     */
    public long parameterCount() {
        long n = 0;
        for (SDVariable v : sd.variables()) {
            if ((v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.CONSTANT
                    || v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE)
                    && v.getArr() != null && v.dataType().isFPType()) {
                n += v.getArr().length();
            }
        }
        return n;
    }

    @Override
    public long[] sampleShape() {
        return signature.sampleShape();
    }

    @Override
    public int classes() {
        return 0;
    }

    @Override
    public DataType dataType() {
        return dataType;
    }

    private Map<String, INDArray> inputs(INDArray x, INDArray t, int[] labels) {
        if (labels != null) {
            throw new IllegalArgumentException("an imported network is unconditional; labels were given");
        }
        int n = Checks.batchOf("x", x, signature.sampleShape());
        double[] input = Checks.times("t", t, n, Double.MAX_VALUE);
        for (int i = 0; i < input.length; i++) {
            input[i] = signature.timeInput().at(input[i], noiseLevel);
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(signature.x(), x.dataType() == dataType ? x : x.castTo(dataType));
        ph.put(signature.t(), Nd4j.createFromArray(input).castTo(sd.getVariable(signature.t()).dataType()));
        return ph;
    }

    @Override
    public INDArray output(INDArray x, INDArray t, int[] labels) {
        Map<String, INDArray> ph = inputs(x, t, labels);
        memory.boundSessions();
        INDArray out = sd.output(ph, signature.output()).get(signature.output()).dup();
        memory.produced(x.size(0), false);
        if (!Arrays.equals(out.shape(), x.shape())) {
            throw new IllegalStateException("the imported graph's output has shape " + Arrays.toString(out.shape())
                    + ", not the shape of x " + Arrays.toString(x.shape()));
        }
        return out;
    }

    @Override
    public INDArray vectorJacobianProduct(INDArray x, INDArray t, INDArray v) {
        Map<String, INDArray> ph = inputs(x, t, null);
        Checks.cotangent(v, x);
        ph.put(V, v.castTo(dataType));
        memory.boundSessions();
        INDArray g = sd.calculateGradients(ph, signature.x()).get(signature.x()).dup();
        memory.produced(x.size(0), true);
        return g;
    }

    private static UnsupportedOperationException inferenceOnly(String what) {
        return new UnsupportedOperationException("an imported network is used as it was trained; " + what
                + " is not supported (train a network of this library instead)");
    }

    /** @throws UnsupportedOperationException always: imported networks are not trained here */
    @Override
    public double fit(MultiDataSet batch) {
        throw inferenceOnly("training");
    }

    /** @throws UnsupportedOperationException always */
    @Override
    public double loss(MultiDataSet batch) {
        throw inferenceOnly("a training loss");
    }

    /** @throws UnsupportedOperationException always: the weights live in the imported graph */
    @Override
    public INDArray params() {
        throw inferenceOnly("a flat parameter view");
    }

    /** @throws UnsupportedOperationException always */
    @Override
    public ScoreNetwork withParameters(INDArray params) {
        throw inferenceOnly("replacing the weights");
    }

    /** @throws UnsupportedOperationException always */
    @Override
    public void setListeners(List<TrainingListener> listeners) {
        throw inferenceOnly("training listeners");
    }

    @Override
    public String toString() {
        return "ImportedScoreNetwork[" + Arrays.toString(signature.sampleShape()) + ", time input "
                + signature.timeInput().toText() + ", " + parameterCount() + " constant values]";
    }
}
