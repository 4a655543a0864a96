package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.nn.FourierTimeEmbedding;
import io.github.scoresde.nn.ImportedScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.training.data.DataScaler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The file formats. Format version 3 (an {@link ImportedScoreNetwork}): a zip of the library's
 * entries only, the SameDiff graph in {@code scoresde/graph.fb} and its signature (inputs, output,
 * sample shape, time input) in the properties. Format version 2 (a {@link UNetScoreNetwork}): a zip of the library's entries
 * only, with the flat weights in {@code scoresde/params.bin} and, in checkpoints, Adam's moments
 * in {@code scoresde/updater.bin}. Format version 1 (an {@link MlpScoreNetwork}): a DL4J {@link ModelSerializer} zip (configuration and weights, plus the updater
 * state in checkpoints) with the library's own entries under {@code scoresde/}:
 * {@code model.properties} (format version, SDE, parameterisation, scaler, network
 * configuration), {@code fourier.txt} (the time embedding's frequencies) and, in checkpoints,
 * {@code ema.bin} and {@code checkpoint.properties}. Files are written to a temporary sibling and
 * moved into place, so a crash mid-write never leaves a corrupt file under the final name.
 */
public final class ModelFiles {
    /** The current format version. */
    public static final int FORMAT_VERSION = 1;
    /** The format version of files holding a {@link UNetScoreNetwork}. */
    public static final int UNET_FORMAT_VERSION = 2;
    /** The format version of files holding an {@link ImportedScoreNetwork} (docs/interop.md). */
    public static final int IMPORTED_FORMAT_VERSION = 3;
    static final String GRAPH = "scoresde/graph.fb";
    static final String PARAMS = "scoresde/params.bin";
    static final String UPDATER = "scoresde/updater.bin";
    static final String PROPERTIES = "scoresde/model.properties";
    static final String FOURIER = "scoresde/fourier.txt";
    static final String EMA = "scoresde/ema.bin";
    static final String CHECKPOINT = "scoresde/checkpoint.properties";

    private ModelFiles() {
    }

    /** Writes a model (its network's current weights, no updater state). */
    static void save(TrainedModel model, Path file) {
        write(model, false, Map.of(), file);
    }

    /** A model file's embedded training state: a whole checkpoint file, as one entry. */
    static final String TRAINING_STATE = "scoresde/training-state.zip";

    /**
     * Writes a model and, when {@code checkpoint} is not null, that checkpoint file's bytes inside
     * it ({@link #TRAINING_STATE}), so that training can continue from the model file.
     */
    static void save(TrainedModel model, Path checkpoint, Path file) {
        if (checkpoint == null) {
            save(model, file);
            return;
        }
        try {
            write(model, false, Map.of(TRAINING_STATE, Files.readAllBytes(checkpoint)), file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /**
     * The training state embedded in a model file, extracted to a temporary file the caller
     * deletes; null when the file has none (a checkpoint itself, or a model saved without it).
     */
    private static Path trainingState(Path file) {
        Checks.notNull("file", file);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry e = zip.getEntry(TRAINING_STATE);
            if (e == null) {
                return null;
            }
            Path tmp = Files.createTempFile("scoresde-state", ".zip");
            try (InputStream in = zip.getInputStream(e)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException e) {
            // not a readable zip: read() reports it with the file's name
            return null;
        }
    }

    /**
     * Writes a model, optionally with its network's updater state, plus extra entries (a
     * checkpoint's), atomically.
     *
     * @throws IllegalArgumentException when the model's network is of a kind this format cannot hold
     */
    static void write(TrainedModel model, boolean withUpdater, Map<String, byte[]> extra, Path file) {
        if (model.network() instanceof UNetScoreNetwork u) {
            writeUNet(model, u, withUpdater, extra, file);
            return;
        }
        if (model.network() instanceof ImportedScoreNetwork imported) {
            String props = "formatVersion=" + IMPORTED_FORMAT_VERSION + "\nnetwork=imported\nsde=" + model.sde().spec()
                    + "\nparameterization=" + model.parameterization() + "\nscaler=" + model.scaler().toText() + "\n"
                    + imported.signature().toProperties();
            Map<String, byte[]> entries = new LinkedHashMap<>();
            entries.put(PROPERTIES, props.getBytes(StandardCharsets.UTF_8));
            entries.put(GRAPH, imported.graphBytes());
            entries.putAll(extra);
            writeZip(entries, file);
            return;
        }
        MlpScoreNetwork net = mlp(model.network());
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(PROPERTIES, properties(model, net).getBytes(StandardCharsets.UTF_8));
        entries.put(FOURIER, fourier(net.embedding()).getBytes(StandardCharsets.UTF_8));
        entries.putAll(extra);
        write(net.network(), withUpdater, entries, file);
    }

    /** The network as the MLP format version 1 holds. */
    private static MlpScoreNetwork mlp(io.github.scoresde.nn.ScoreNetwork network) {
        if (network instanceof MlpScoreNetwork m) {
            return m;
        }
        throw new IllegalArgumentException("model files hold MlpScoreNetwork (format version " + FORMAT_VERSION
                + "), UNetScoreNetwork (format version " + UNET_FORMAT_VERSION + ") and ImportedScoreNetwork (format "
                + "version " + IMPORTED_FORMAT_VERSION + ") networks; got "
                + network.getClass().getSimpleName());
    }

    /**
     * Writes a U-Net model (format version 2): a zip of the library's entries only, the weights as
     * one flat array in {@link #PARAMS}, Adam's moments in {@link #UPDATER} when asked.
     */
    private static void writeUNet(TrainedModel model, UNetScoreNetwork net, boolean withUpdater,
            Map<String, byte[]> extra, Path file) {
        Checks.notNull("file", file);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        String props = "formatVersion=" + UNET_FORMAT_VERSION + "\nnetwork=unet\nsde=" + model.sde().spec()
                + "\nparameterization=" + model.parameterization() + "\nscaler=" + model.scaler().toText() + "\n"
                + net.config().toProperties() + net.optimizer().toProperties();
        UNetScoreNetwork.OptimizerState state = withUpdater ? net.optimizerState() : null;
        if (state != null) {
            props += "updaterIteration=" + state.iteration() + "\n";
        }
        entries.put(PROPERTIES, props.getBytes(StandardCharsets.UTF_8));
        entries.put(FOURIER, fourier(net.embedding()).getBytes(StandardCharsets.UTF_8));
        entries.put(PARAMS, toBytes(net.params()));
        if (state != null) {
            entries.put(UPDATER, toBytes(state.moments()));
        }
        entries.putAll(extra);
        writeZip(entries, file);
    }

    /** Writes a zip of the library's entries only, atomically. */
    private static void writeZip(Map<String, byte[]> entries, Path file) {
        Checks.notNull("file", file);
        io.github.scoresde.core.AtomicFiles.write(file, os -> {
            try (ZipOutputStream zos = new ZipOutputStream(os)) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    zos.putNextEntry(new ZipEntry(e.getKey()));
                    zos.write(e.getValue());
                    zos.closeEntry();
                }
            }
        });
    }

    /** Reads the imported network of a format-version-3 file whose entries and properties are read already. */
    private static ImportedScoreNetwork readImported(Path file, Map<String, String> props, Map<String, byte[]> entries) {
        Contents partial = new Contents(file, props, null, entries);
        try {
            Sde sde = partial.sde();
            return ImportedScoreNetwork.fromBytes(partial.entry(GRAPH), ImportedScoreNetwork.Signature.parse(props),
                    sde::noiseLevel);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Cannot read model from")) {
                throw e;
            }
            throw new IllegalArgumentException("Cannot read model from " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the U-Net of a format-version-2 file whose entries and properties are read already. */
    private static UNetScoreNetwork readUNet(Path file, Map<String, String> props, Map<String, byte[]> entries,
            boolean withUpdater) {
        Contents partial = new Contents(file, props, null, entries);
        try {
            UNetConfig config = UNetConfig.parse(props);
            io.github.scoresde.nn.AdamSettings optimizer = io.github.scoresde.nn.AdamSettings.parse(props);
            UNetScoreNetwork net = UNetScoreNetwork.withParameters(config, optimizer,
                    fromBytes(partial.entry(PARAMS)));
            FourierTimeEmbedding stored = parseFourier(file, new String(partial.entry(FOURIER), StandardCharsets.UTF_8));
            if (!java.util.Arrays.equals(stored.frequencies(), net.embedding().frequencies())) {
                throw new IllegalArgumentException("its Fourier frequencies differ from those of its seed");
            }
            if (withUpdater && entries.containsKey(UPDATER)) {
                net.restoreOptimizerState(new UNetScoreNetwork.OptimizerState(
                        Long.parseLong(partial.require("updaterIteration").trim()), fromBytes(entries.get(UPDATER))));
            }
            return net;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Cannot read model from")) {
                throw e;
            }
            throw new IllegalArgumentException("Cannot read model from " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": the network cannot be restored ("
                    + e.getMessage() + ")", e);
        }
    }

    static String properties(TrainedModel model, MlpScoreNetwork net) {
        return "formatVersion=" + FORMAT_VERSION + "\nsde=" + model.sde().spec() + "\nparameterization="
                + model.parameterization() + "\nscaler=" + model.scaler().toText() + "\n"
                + net.config().toProperties() + net.optimizer().toProperties();
    }

    static String fourier(FourierTimeEmbedding e) {
        StringBuilder b = new StringBuilder();
        for (double w : e.frequencies()) {
            b.append(String.format(Locale.ROOT, "%s%n", Double.toString(w)));
        }
        return b.toString();
    }

    /**
     * Writes a DL4J network plus extra entries, atomically: a temporary file in the same folder is
     * completed, flushed and then moved over the target.
     */
    private static void write(MultiLayerNetwork net, boolean withUpdater, Map<String, byte[]> extra, Path file) {
        Checks.notNull("file", file);
        ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, dl4j, withUpdater);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        io.github.scoresde.core.AtomicFiles.write(file,
                os -> copyZip(new java.io.ByteArrayInputStream(dl4j.toByteArray()), os, extra));
    }

    /**
     * Copies every entry of the zip {@code source} to a new zip on {@code target}, except that an
     * entry named in {@code replace} takes the map's bytes; the map's other entries follow.
     */
    private static void copyZip(InputStream source, OutputStream target, Map<String, byte[]> replace)
            throws IOException {
        Map<String, byte[]> rest = new LinkedHashMap<>(replace);
        try (ZipOutputStream zos = new ZipOutputStream(target);
                java.util.zip.ZipInputStream zin = new java.util.zip.ZipInputStream(source)) {
            // float parameters hardly compress: the fastest level writes a checkpoint several times
            // faster than the default for a few percent more bytes
            zos.setLevel(java.util.zip.Deflater.BEST_SPEED);
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                zos.putNextEntry(new ZipEntry(e.getName()));
                byte[] replaced = rest.remove(e.getName());
                if (replaced != null) {
                    zos.write(replaced);
                } else {
                    zin.transferTo(zos);
                }
                zos.closeEntry();
            }
            for (Map.Entry<String, byte[]> x : rest.entrySet()) {
                zos.putNextEntry(new ZipEntry(x.getKey()));
                zos.write(x.getValue());
                zos.closeEntry();
            }
        }
    }

    /**
     * What a checkpoint holds: the model with the network's current (not averaged) weights and its
     * optimiser state, the EMA of the weights, the step it was written at and the training seed.
     */
    record Checkpoint(TrainedModel model, ExponentialMovingAverage ema, long step, long seed) {
    }

    /** Writes a checkpoint (the network with its optimiser state, the EMA, the step and the seed), atomically. */
    static void writeCheckpoint(TrainedModel model, ExponentialMovingAverage ema, long step, long seed, Path file) {
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put(EMA, toBytes(ema.average()));
        String cp = "step=" + step + "\nseed=" + seed + "\nemaDecay=" + ema.decay() + "\nemaWarmup=" + ema.warmup()
                + "\n";
        extra.put(CHECKPOINT, cp.getBytes(StandardCharsets.UTF_8));
        write(model, true, extra, file);
    }

    /**
     * Reads a checkpoint, or the training state embedded in a model file ({@link #TRAINING_STATE}).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no training state
     */
    static Checkpoint readCheckpoint(Path file) {
        Path state = trainingState(file);
        try {
            Contents c = read(state != null ? state : file, true);
            if (!c.entries.containsKey(CHECKPOINT)) {
                throw new IllegalArgumentException("Cannot resume from " + file + ": it holds a model without its "
                        + "training state (optimiser state, EMA, step); resume from the checkpoint written beside it, "
                        + "or from a model file that Trainer.Result.save or the CLI's train wrote");
            }
            Map<String, String> cp = parse(new String(c.entry(CHECKPOINT), StandardCharsets.UTF_8));
            long step = Long.parseLong(cp.get("step").trim());
            ExponentialMovingAverage ema = new ExponentialMovingAverage(Double.parseDouble(cp.get("emaDecay").trim()),
                    Boolean.parseBoolean(cp.get("emaWarmup").trim()), fromBytes(c.entry(EMA)), step);
            TrainedModel model = new TrainedModel(c.network, c.sde(), parameterization(c.require("parameterization")),
                    DataScaler.fromText(c.require("scaler")));
            return new Checkpoint(model, ema, step, Long.parseLong(cp.get("seed").trim()));
        } finally {
            if (state != null) {
                try {
                    Files.deleteIfExists(state);
                } catch (IOException e) {
                    org.slf4j.LoggerFactory.getLogger(ModelFiles.class).warn("could not delete {}: {}", state,
                            e.getMessage());
                }
            }
        }
    }

    /** Reads a model file. */
    static TrainedModel load(Path file) {
        Contents c = read(file, false);
        return new TrainedModel(c.network, c.sde(),
                parameterization(c.require("parameterization")), DataScaler.fromText(c.require("scaler")));
    }

    private static Parameterization parameterization(String s) {
        try {
            return Parameterization.valueOf(s.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown parameterization \"" + s + "\"", e);
        }
    }

    /** What a file holds. */
    static final class Contents {
        final Path file;
        final Map<String, String> properties;
        final io.github.scoresde.nn.ScoreNetwork network;
        final Map<String, byte[]> entries;

        Contents(Path file, Map<String, String> properties, io.github.scoresde.nn.ScoreNetwork network,
                Map<String, byte[]> entries) {
            this.file = file;
            this.properties = properties;
            this.network = network;
            this.entries = entries;
        }

        String require(String key) {
            String v = properties.get(key);
            if (v == null) {
                throw new IllegalArgumentException("Cannot read model from " + file + ": \"" + key
                        + "\" is missing from " + PROPERTIES);
            }
            return v;
        }

        /** The SDE recorded in the file, or an error naming the file. */
        Sde sde() {
            try {
                return Sde.parse(require("sde"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Cannot read model from " + file + ": " + e.getMessage(), e);
            }
        }

        byte[] entry(String name) {
            byte[] b = entries.get(name);
            if (b == null) {
                throw new IllegalArgumentException("Cannot read model from " + file + ": entry \"" + name
                        + "\" is missing");
            }
            return b;
        }
    }

    /**
     * Reads and checks a file: a zip with the properties (of this format version), the embedding
     * and a DL4J network that matches them.
     */
    static Contents read(Path file, boolean withUpdater) {
        Checks.notNull("file", file);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": no such file");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        String configuration;
        boolean hasCoefficients;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry e = all.nextElement();
                // the embedded training state is read only to resume (trainingState), not here
                if (e.getName().startsWith("scoresde/") && !e.getName().equals(TRAINING_STATE)) {
                    try (InputStream in = zip.getInputStream(e)) {
                        entries.put(e.getName(), in.readAllBytes());
                    }
                }
            }
            ZipEntry conf = zip.getEntry(ModelSerializer.CONFIGURATION_JSON);
            if (conf == null) {
                configuration = null;
            } else {
                try (InputStream in = zip.getInputStream(conf)) {
                    configuration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            hasCoefficients = zip.getEntry(ModelSerializer.COEFFICIENTS_BIN) != null;
        } catch (ZipException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": not a valid model file ("
                    + e.getMessage() + "; truncated or not a zip?)", e);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": no such file", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": " + e.getMessage(), e);
        }
        Contents partial = new Contents(file, Map.of(), null, entries);
        Map<String, String> props = parse(new String(partial.entry(PROPERTIES), StandardCharsets.UTF_8));
        String version = props.get("formatVersion");
        if (version == null) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": \"formatVersion\" is missing from "
                    + PROPERTIES);
        }
        if (version.trim().equals(Integer.toString(UNET_FORMAT_VERSION))) {
            return new Contents(file, props, readUNet(file, props, entries, withUpdater), entries);
        }
        if (version.trim().equals(Integer.toString(IMPORTED_FORMAT_VERSION))) {
            return new Contents(file, props, readImported(file, props, entries), entries);
        }
        if (!version.trim().equals(Integer.toString(FORMAT_VERSION))) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": format version " + version.trim()
                    + " is not supported (this library reads versions " + FORMAT_VERSION + ", "
                    + UNET_FORMAT_VERSION + " and " + IMPORTED_FORMAT_VERSION + ")");
        }
        for (String dl4j : new String[] {ModelSerializer.CONFIGURATION_JSON, ModelSerializer.COEFFICIENTS_BIN}) {
            if (dl4j.equals(ModelSerializer.CONFIGURATION_JSON) ? configuration == null : !hasCoefficients) {
                throw new IllegalArgumentException("Cannot read model from " + file + ": entry \"" + dl4j
                        + "\" is missing");
            }
        }
        MlpConfig config;
        io.github.scoresde.nn.AdamSettings optimizer;
        try {
            config = MlpConfig.parse(props);
            optimizer = io.github.scoresde.nn.AdamSettings.parse(props);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": " + e.getMessage(), e);
        }
        FourierTimeEmbedding embedding = parseFourier(file, new String(partial.entry(FOURIER), StandardCharsets.UTF_8));
        MultiLayerNetwork net;
        try {
            byte[] renamed = withCurrentLayerNames(file, configuration);
            net = renamed == null ? ModelSerializer.restoreMultiLayerNetwork(file.toFile(), withUpdater)
                    : ModelSerializer.restoreMultiLayerNetwork(new java.io.ByteArrayInputStream(renamed), withUpdater);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": the network cannot be restored ("
                    + e.getMessage() + ")", e);
        }
        MlpScoreNetwork network;
        try {
            network = MlpScoreNetwork.wrap(config, optimizer, embedding, net);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": " + e.getMessage(), e);
        }
        return new Contents(file, props, network, entries);
    }

    /** The package of the network's layer classes in files written before the nn module existed. */
    private static final String OLD_LAYER_PACKAGE = "io.github.scoresde.core.nn.";
    private static final String LAYER_PACKAGE = "io.github.scoresde.nn.";

    /**
     * A copy of the file, in memory, whose DL4J configuration names the layer classes by their
     * current package, when the file's configuration (read already) names them by the package they
     * had before (same classes, same format version); null when the file needs no change.
     */
    private static byte[] withCurrentLayerNames(Path file, String configuration) throws IOException {
        if (!configuration.contains(OLD_LAYER_PACKAGE)) {
            return null;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(file)) {
            copyZip(in, bytes, Map.of(ModelSerializer.CONFIGURATION_JSON,
                    configuration.replace(OLD_LAYER_PACKAGE, LAYER_PACKAGE).getBytes(StandardCharsets.UTF_8)));
        }
        return bytes.toByteArray();
    }

    private static FourierTimeEmbedding parseFourier(Path file, String text) {
        try {
            double[] w = text.lines().filter(l -> !l.isBlank()).mapToDouble(l -> Double.parseDouble(l.trim())).toArray();
            return new FourierTimeEmbedding(w);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Cannot read model from " + file + ": malformed " + FOURIER + " ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * The {@code key=value} lines of a properties text (the model files' and the configurations'
     * {@code toProperties()} form), in order; lines without '=' are skipped.
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : text.split("\\R")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                map.put(line.substring(0, eq).trim(), line.substring(eq + 1));
            }
        }
        return map;
    }

    static byte[] toBytes(INDArray a) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Nd4j.write(out, a);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static INDArray fromBytes(byte[] b) {
        return Nd4j.read(new java.io.ByteArrayInputStream(b));
    }
}
