package io.github.scoresde.onnx;

import io.github.scoresde.core.Checks;
import io.github.scoresde.nn.ImportedScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.TimeInput;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.data.DataScaler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.samediff.frameworkimport.onnx.importer.OnnxFrameworkImporter;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a time-conditioned score, noise or data-prediction network from an ONNX file with
 * ND4J's own importer, declared with what the file cannot say (docs/interop.md): the SDE it was
 * trained for, its output {@link Parameterization}, its {@link TimeInput}, the sample shape and
 * the data scaling. The result is a {@link TrainedModel} like a trained one: every sampler, the
 * likelihood, encode/decode and inpainting take its {@code score()}, and {@code save} writes a
 * model file the CLI reads.
 *
 * <pre>{@code
 * TrainedModel m = OnnxImport.builder()
 *         .sde(new VeSde(0.01, 25)).parameterization(Parameterization.DIRECT)
 *         .timeInput(TimeInput.time()).sampleShape(1, 28, 28).build()
 *         .importFile(Path.of("net.onnx"));
 * }</pre>
 *
 * <p>Before the importer runs, the graph's operators that ND4J 1.0.0-M2.1 does not map are
 * rewritten into ones it maps ({@link GraphRewrites}); any other unmapped operator is refused by
 * name and node. After import the network is run once on two examples, so that a mismatch
 * between the declarations and the graph is reported before any long work.
 */
public final class OnnxImport {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxImport.class);
    /** Operators the rewrites remove, so that the importer never sees them. */
    private static final Set<String> REWRITTEN = Set.of("InstanceNormalization", "ConvTranspose");

    private final Sde sde;
    private final Parameterization parameterization;
    private final TimeInput timeInput;
    private final long[] sampleShape;
    private final DataScaler scaler;
    private final String input;
    private final String time;
    private final String output;

    private OnnxImport(Builder b) {
        this.sde = Checks.notNull("sde (the SDE the network was trained for)", b.sde);
        this.parameterization = Checks.notNull("parameterization (what the network outputs)", b.parameterization);
        this.timeInput = b.timeInput;
        this.sampleShape = Checks.notNull("sampleShape", b.sampleShape);
        long d = 1;
        for (long s : sampleShape) {
            d *= s;
        }
        this.scaler = b.scaler != null ? b.scaler : DataScaler.identity((int) d);
        if (scaler.dimension() != d) {
            throw new IllegalArgumentException("the scaler's dimension " + scaler.dimension()
                    + " is not the sample size " + d + " of " + Arrays.toString(sampleShape));
        }
        this.input = b.input;
        this.time = b.time;
        this.output = b.output;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Imports a file.
     *
     * @return the model, its network an {@link ImportedScoreNetwork}
     * @throws IllegalArgumentException when the file is missing or unreadable
     * @throws OnnxImportException when it is not ONNX, has an operator that cannot be imported
     *     (named with its node), or does not match the declarations
     */
    public TrainedModel importFile(Path file) {
        Checks.notNull("file", file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Cannot import " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot import " + file + ": " + e.getMessage(), e);
        }
        Onnx.ModelProto model = parse(file, bytes);
        Onnx.ModelProto rewritten;
        try {
            rewritten = GraphRewrites.rewrite(model);
        } catch (OnnxImportException e) {
            throw new OnnxImportException("Cannot import " + file + ": " + e.getMessage(), e);
        }
        String[] names = signatureNames(file, rewritten.getGraph());
        SameDiff sd = importGraph(file, rewritten);
        ImportedScoreNetwork.Signature signature = new ImportedScoreNetwork.Signature(names[0], names[1], names[2],
                sampleShape, timeInput);
        ImportedScoreNetwork network;
        try {
            network = ImportedScoreNetwork.of(sd, signature, sde::noiseLevel);
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException("Cannot import " + file + ": " + e.getMessage(), e);
        }
        check(file, network);
        return new TrainedModel(network, sde, parameterization, scaler);
    }

    /**
     * Imports a rewritten model ({@link GraphRewrites#rewrite}) with ND4J's importer, after
     * refusing by name and node the operators it cannot map.
     *
     * @param file the file's name, for messages
     */
    static SameDiff importGraph(Path file, Onnx.ModelProto rewritten) {
        OnnxFrameworkImporter importer = new OnnxFrameworkImporter();
        Set<String> mapped = new HashSet<>();
        for (Onnx.NodeProto n : rewritten.getGraph().getNodeList()) {
            if (importer.getRegistry().hasMappingOpProcess(n.getOpType()) && !REWRITTEN.contains(n.getOpType())) {
                mapped.add(n.getOpType());
            }
        }
        List<String> bad = GraphRewrites.unsupported(rewritten, mapped);
        if (!bad.isEmpty()) {
            throw new OnnxImportException("Cannot import " + file + ": ND4J's importer has no mapping for "
                    + (bad.size() == 1 ? "the operator " : "the operators ") + String.join(", ", bad.subList(0,
                            Math.min(5, bad.size()))) + (bad.size() > 5 ? " and " + (bad.size() - 5) + " more" : "")
                    + " (docs/interop.md lists what is supported)");
        }
        return runImporter(file, importer, rewritten);
    }

    private static Onnx.ModelProto parse(Path file, byte[] bytes) {
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException("Cannot import " + file + ": not an ONNX model (" + e.getMessage() + ")", e);
        }
        if (model.getIrVersion() <= 0 || !model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new OnnxImportException("Cannot import " + file + ": not an ONNX model (no IR version or no graph "
                    + "nodes)");
        }
        return model;
    }

    /** The graph's sample input, time input and output names (as imported), declared or found. */
    private String[] signatureNames(Path file, Onnx.GraphProto g) {
        Set<String> initializers = new HashSet<>();
        for (Onnx.TensorProto t : g.getInitializerList()) {
            initializers.add(t.getName());
        }
        List<Onnx.ValueInfoProto> inputs = new ArrayList<>();
        for (Onnx.ValueInfoProto v : g.getInputList()) {
            if (!initializers.contains(v.getName())) {
                inputs.add(v);
            }
        }
        List<String> inputNames = inputs.stream().map(Onnx.ValueInfoProto::getName).toList();
        String x = input != null ? GraphRewrites.importedName(input) : null;
        String t = time != null ? GraphRewrites.importedName(time) : null;
        if (x == null || t == null) {
            if (inputs.size() != 2) {
                throw new OnnxImportException("Cannot import " + file + ": the graph has " + inputs.size()
                        + " inputs " + inputNames + "; a score network takes two (x and t): name them with "
                        + "input(...) and time(...)");
            }
            // x is the input of the sample's rank plus one; t the other
            int rank0 = inputs.get(0).getType().getTensorType().getShape().getDimCount();
            int pick = rank0 == sampleShape.length + 1 ? 0 : 1;
            if (x == null) {
                x = inputs.get(pick).getName();
            }
            if (t == null) {
                t = inputs.get(1 - pick).getName();
            }
        }
        for (String name : new String[] {x, t}) {
            if (!inputNames.contains(name)) {
                throw new OnnxImportException("Cannot import " + file + ": the graph has no input \"" + name
                        + "\"; its inputs are " + inputNames);
            }
        }
        List<String> outputNames = g.getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList();
        String out = output != null ? GraphRewrites.importedName(output) : null;
        if (out == null) {
            if (outputNames.size() != 1) {
                throw new OnnxImportException("Cannot import " + file + ": the graph has " + outputNames.size()
                        + " outputs " + outputNames + "; name the score network's with output(...)");
            }
            out = outputNames.get(0);
        } else if (!outputNames.contains(out)) {
            throw new OnnxImportException("Cannot import " + file + ": the graph has no output \"" + out
                    + "\"; its outputs are " + outputNames);
        }
        return new String[] {x, t, out};
    }

    /** Runs ND4J's importer on the rewritten model (its console chatter goes to the debug log). */
    private static SameDiff runImporter(Path file, OnnxFrameworkImporter importer, Onnx.ModelProto rewritten) {
        Path tmp = null;
        PrintStream stdout = System.out;
        ByteArrayOutputStream chatter = new ByteArrayOutputStream();
        try {
            tmp = Files.createTempFile("scoresde-import", ".onnx");
            Files.write(tmp, rewritten.toByteArray());
            SameDiff sd;
            // the lock UNetGraph.quietly takes, so that two redirections of System.out never interleave
            synchronized (System.class) {
                System.setOut(new PrintStream(chatter, true, StandardCharsets.UTF_8));
                try {
                    sd = importer.runImport(tmp.toString(), Collections.emptyMap(), true);
                } finally {
                    System.setOut(stdout);
                }
            }
            LOG.debug("ND4J importer output for {}:\n{}", file, chatter.toString(StandardCharsets.UTF_8));
            fixMatMul(sd);
            relinkConsumers(sd);
            return sd;
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot import " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new OnnxImportException("Cannot import " + file + ": ND4J's importer failed (" + e + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("could not delete {}: {}", tmp, e.getMessage());
                }
            }
        }
    }

    /**
     * ND4J 1.0.0-M2.1 imports ONNX MatMul as its matmul op with alpha 0 and beta 1, so every
     * product is zero: each one gets alpha 1 and beta 0 (ONNX MatMul is a plain product).
     */
    static void fixMatMul(SameDiff sd) {
        for (DifferentialFunction f : sd.ops()) {
            if (f instanceof Mmul mm) {
                while (mm.numTArguments() > 0) {
                    mm.removeTArgument(mm.tArgs()[0]);
                }
                mm.addTArgument(1.0, 0.0);
            }
        }
    }

    /**
     * The importer's hooks (Conv, Reshape, Unsqueeze, Slice) replace the op they import, but the
     * variables' lists of consuming ops keep the replaced op and miss its replacement, so the
     * gradient function (built by walking those lists) never reaches the inputs: the lists are
     * rebuilt from the ops' own inputs.
     */
    static void relinkConsumers(SameDiff sd) {
        Map<String, List<String>> consumers = new HashMap<>();
        for (org.nd4j.autodiff.samediff.internal.SameDiffOp op : sd.getOps().values()) {
            if (op.getInputsToOp() != null) {
                for (String in : op.getInputsToOp()) {
                    List<String> list = consumers.computeIfAbsent(in, k -> new ArrayList<>());
                    if (!list.contains(op.getName())) {
                        list.add(op.getName());
                    }
                }
            }
        }
        for (org.nd4j.autodiff.samediff.internal.Variable v : sd.getVariables().values()) {
            List<String> list = consumers.get(v.getName());
            v.setInputsForOp(list == null ? null : list);
        }
    }

    /** One forward pass on two examples: the output must be finite and have the shape of x. */
    private void check(Path file, ImportedScoreNetwork network) {
        long[] shape = io.github.scoresde.core.NdArrays.batchShape(2, sampleShape);
        INDArray x = Nd4j.rand(network.dataType(), shape);
        double horizon = sde.horizon();
        INDArray t = Nd4j.createFromArray(0.5 * horizon, horizon);
        INDArray out;
        try {
            out = network.output(x, t);
        } catch (RuntimeException e) {
            throw new OnnxImportException("Cannot import " + file + ": the imported graph does not run on x of shape "
                    + Arrays.toString(shape) + " (the declared sample shape " + Arrays.toString(sampleShape)
                    + " with a batch of 2): " + e.getMessage(), e);
        }
        try {
            Checks.allFinite("output", out);
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException("Cannot import " + file + ": the imported network's output at t = "
                    + 0.5 * horizon + " and " + horizon + " is not finite (is the time input "
                    + timeInput.toText() + " what it takes?)", e);
        }
    }

    /** Builds an {@link OnnxImport}; sde, parameterization and sampleShape are required. */
    public static final class Builder {
        private Sde sde;
        private Parameterization parameterization;
        private TimeInput timeInput = TimeInput.time();
        private long[] sampleShape;
        private DataScaler scaler;
        private String input;
        private String time;
        private String output;

        private Builder() {
        }

        /** The SDE the network was trained for (its time, noise level and marginal std). */
        public Builder sde(Sde sde) {
            this.sde = Checks.notNull("sde", sde);
            return this;
        }

        /** What the network outputs: a score, a noise (epsilon) or data (x0) prediction. */
        public Builder parameterization(Parameterization parameterization) {
            this.parameterization = Checks.notNull("parameterization", parameterization);
            return this;
        }

        /** What the network takes as its time input (default: t). */
        public Builder timeInput(TimeInput timeInput) {
            this.timeInput = Checks.notNull("timeInput", timeInput);
            return this;
        }

        /** One example's shape, without the batch dimension, e.g. {@code 1, 28, 28}. */
        public Builder sampleShape(long... shape) {
            Checks.notNull("shape", shape);
            if (shape.length == 0) {
                throw new IllegalArgumentException("the sample shape needs at least one dimension");
            }
            for (long d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("sample dimensions must be positive; got "
                            + Arrays.toString(shape));
                }
            }
            this.sampleShape = shape.clone();
            return this;
        }

        /**
         * The map from data to the network's space (default: identity), e.g.
         * {@code DataScaler.range(d, 0, 1)} for a network trained on [-1, 1] pixels.
         */
        public Builder scaler(DataScaler scaler) {
            this.scaler = Checks.notNull("scaler", scaler);
            return this;
        }

        /** The graph's sample input (default: of the two inputs, the one of the sample's rank + 1). */
        public Builder input(String name) {
            this.input = Checks.notNull("name", name);
            return this;
        }

        /** The graph's time input (default: the other input). */
        public Builder time(String name) {
            this.time = Checks.notNull("name", name);
            return this;
        }

        /** The graph's output (default: its only output). */
        public Builder output(String name) {
            this.output = Checks.notNull("name", name);
            return this;
        }

        /**
         * The import.
         *
         * @throws IllegalArgumentException when sde, parameterization or sampleShape is missing
         */
        public OnnxImport build() {
            if (sampleShape == null) {
                throw new IllegalArgumentException("the sample shape is required (e.g. sampleShape(1, 28, 28)): an "
                        + "ONNX file's input shape may be symbolic");
            }
            return new OnnxImport(this);
        }
    }
}
