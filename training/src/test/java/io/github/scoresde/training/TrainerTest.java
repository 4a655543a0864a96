package io.github.scoresde.training;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.data.ToyData;
import io.github.scoresde.training.data.ToyDatasets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainerTest {
    /** A small MLP (two layers of 32, seed 11, Adam 1e-3 with 3 warm-up steps) for the training tests. */
    static MlpScoreNetwork small() {
        return MlpScoreNetwork.create(MlpConfig.builder(2).seed(11).layers(32, 2).build(),
                AdamSettings.builder().learningRate(1e-3).warmup(3).build());
    }

    /** The training tests' settings: seed 5, batch 64. */
    static Trainer.Settings settings(int steps) {
        return Trainer.Settings.builder().steps(steps).seed(5).batchSize(64).build();
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeightsBitForBit(@TempDir Path dir) {
        Sde sde = new VpSde();
        DataSource data = ToyData.CHECKERBOARD.source();
        Trainer.Result straight = new Trainer(settings(8)).train(small(), sde, data, DataScaler.identity(2));
        Path cp = dir.resolve("cp.zip");
        Trainer.Result first = new Trainer(settings(8).toBuilder().steps(5).checkpoints(5, cp).build())
                .train(small(), sde, data, DataScaler.identity(2));
        assertEquals(5, first.losses().length);
        Trainer.Result resumed = new Trainer(settings(8)).resume(cp, data);
        assertEquals(5, resumed.firstStep());
        assertEquals(3, resumed.losses().length);
        assertArrayEquals(straight.network().params().toFloatVector(),
                resumed.network().params().toFloatVector());
        assertArrayEquals(straight.model().network().params().toFloatVector(),
                resumed.model().network().params().toFloatVector(), "EMA weights");
        assertEquals(straight.losses()[7], resumed.losses()[2]);
        // and the run really trained: weights moved
        assertNotEquals(small().params(), straight.network().params());
        assertRejects(() -> new Trainer(Trainer.Settings.builder().steps(8).seed(99).batchSize(64).build())
                .resume(cp, data), "trained with seed 5, not 99");
    }

    /**
     * A run that names a checkpoint writes its last state too, and Result.save keeps that state in
     * the model file: resuming the model file gives the weights of one uninterrupted run.
     */
    @Test
    void aSavedModelFileResumesLikeItsCheckpoint(@TempDir Path dir) {
        Sde sde = new SubVpSde();
        DataSource data = ToyData.MOONS.source();
        Trainer.Result straight = new Trainer(settings(6)).train(small(), sde, data, DataScaler.identity(2));
        Path cp = dir.resolve("final.zip");
        Trainer.Result first = new Trainer(settings(4).toBuilder().checkpoints(0, cp).build()).train(small(), sde,
                data, DataScaler.identity(2));
        assertEquals(cp, first.checkpoint());
        Path model = dir.resolve("model.zip");
        first.save(model);
        Trainer.Result resumed = new Trainer(settings(6)).resume(model, data);
        assertEquals(4, resumed.firstStep());
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        assertArrayEquals(straight.model().network().params().toFloatVector(),
                resumed.model().network().params().toFloatVector(), "EMA weights");
        // the model file samples like the model
        INDArray x = RandomSource.of(2).gaussian(DataType.FLOAT, 0, 8, 2);
        INDArray t = Nd4j.linspace(0.1, 1, 8, DataType.FLOAT);
        assertEquals(first.model().score().score(x, t), TrainedModel.load(model).score().score(x, t));
    }

    /** A file that is not a model is refused naming the file, and the error keeps what went wrong underneath. */
    @Test
    void aCorruptModelFileIsRefusedWithItsCause(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("broken.zip");
        Files.write(f, "not a zip".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainedModel.load(f));
        assertTrue(e.getMessage().contains("broken.zip") && e.getMessage().contains("not a valid model file"),
                e.getMessage());
        assertTrue(e.getCause() instanceof java.util.zip.ZipException, String.valueOf(e.getCause()));
    }

    @Test
    void aCrashWhileWritingLeavesTheLastCheckpointIntact(@TempDir Path dir) throws IOException {
        Path cp = dir.resolve("cp.zip");
        Sde sde = new VpSde();
        DataSource data = ToyData.EIGHT_GAUSSIANS.source();
        new Trainer(settings(2).toBuilder().checkpoints(2, cp).build()).train(small(), sde, data, DataScaler.identity(2));
        byte[] before = Files.readAllBytes(cp);
        // a write that dies halfway: the second extra entry throws while the temporary file is open
        Map<String, byte[]> failing = new AbstractMap<>() {
            @Override
            public Set<Entry<String, byte[]>> entrySet() {
                Map<String, byte[]> m = new LinkedHashMap<>();
                m.put("scoresde/a", new byte[] {1});
                m.put("scoresde/b", null); // ZipOutputStream.write(null) throws
                return m.entrySet();
            }
        };
        assertThrows(RuntimeException.class, () -> ModelFiles.write(new TrainedModel(small(), new VpSde(), Parameterization.DIVIDE_BY_MARGINAL_STD,
                DataScaler.identity(2)), true, failing, cp));
        assertArrayEquals(before, Files.readAllBytes(cp), "the checkpoint must be untouched");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        Trainer.Result resumed = new Trainer(settings(3)).resume(cp, data);
        assertEquals(2, resumed.firstStep());
    }

    @Test
    void aNanLossStopsTrainingWithTheStepAndKeepsTheLastCheckpoint(@TempDir Path dir) {
        Path cp = dir.resolve("cp.zip");
        DataSource good = ToyData.EIGHT_GAUSSIANS.source();
        DataSource poisoned = new DataSource() {
            private int calls;

            @Override
            public int dimension() {
                return 2;
            }

            @Override
            public INDArray batch(int n, RandomSource rng) {
                INDArray x = good.batch(n, rng);
                return calls++ == 5 ? x.putScalar(0, 0, Double.NaN) : x;
            }

            @Override
            public String name() {
                return "poisoned";
            }
        };
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Trainer(settings(10).toBuilder().checkpoints(2, cp).build()).train(small(), new VpSde(), poisoned,
                        DataScaler.identity(2)));
        assertEquals(5, e.step());
        assertTrue(e.getMessage().contains("at step 5") && e.getMessage().contains(cp.toString()), e.getMessage());
        // the checkpoint of step 4 is readable and resumes from there
        assertEquals(4, new Trainer(settings(5)).resume(cp, good).firstStep());
    }

    @Test
    void savedModelsLoadAndGiveTheSameScores(@TempDir Path dir) {
        Sde sde = new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION);
        DataScaler scaler = DataScaler.fit(DataScaler.Kind.STANDARDIZE, ToyData.MOONS.source()
                .batch(500, RandomSource.of(1)));
        Trainer.Result r = new Trainer(settings(3)).train(small(), sde, ToyData.MOONS.source(), scaler);
        Path file = dir.resolve("model.zip");
        r.model().save(file);
        TrainedModel loaded = TrainedModel.load(file);
        assertEquals(sde, loaded.sde());
        assertEquals(r.model().parameterization(), loaded.parameterization());
        assertEquals(((MlpScoreNetwork) r.model().network()).config(), ((MlpScoreNetwork) loaded.network()).config());
        INDArray x = RandomSource.of(2).gaussian(DataType.FLOAT, 0, 16, 2);
        INDArray t = Nd4j.linspace(0.05, 1, 16, DataType.FLOAT);
        assertEquals(r.model().score().score(x, t), loaded.score().score(x, t));
        assertEquals(r.model().toData(x), loaded.toData(x));
    }

    /**
     * A file written before the network classes moved to the nn module names its layers by their
     * old package; it loads, with the same scores, and its other entries are kept.
     */
    @Test
    void modelsWhoseLayersNameTheOldPackageStillLoad(@TempDir Path dir) throws IOException {
        Trainer.Result r = new Trainer(settings(2)).train(small(), new VpSde(), ToyData.MOONS.source(),
                DataScaler.identity(2));
        Path file = dir.resolve("model.zip");
        r.model().save(file);
        Path old = dir.resolve("old.zip");
        int renamed = 0;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(old))) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                byte[] data = zip.getInputStream(e).readAllBytes();
                if (e.getName().equals("configuration.json")) {
                    String json = new String(data, java.nio.charset.StandardCharsets.UTF_8);
                    renamed = json.split("io\\.github\\.scoresde\\.nn\\.", -1).length - 1;
                    data = json.replace("io.github.scoresde.nn.", "io.github.scoresde.core.nn.")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
        assertTrue(renamed > 0, "the configuration names the layer classes");
        TrainedModel loaded = TrainedModel.load(old);
        INDArray x = RandomSource.of(2).gaussian(DataType.FLOAT, 0, 16, 2);
        INDArray t = Nd4j.linspace(0.05, 1, 16, DataType.FLOAT);
        assertEquals(r.model().score().score(x, t), loaded.score().score(x, t));
    }

    @Test
    void badModelFilesFailWithAMessageNamingTheProblem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.zip");
        new Trainer(settings(1)).train(small(), new VpSde(), ToyData.CHECKERBOARD.source(), DataScaler.identity(2))
                .model().save(file);
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertRejects(() -> TrainedModel.load(truncated), "Cannot read model from", "truncated");
        assertRejects(() -> TrainedModel.load(dir.resolve("missing.zip")), "no such file");
        Path noProps = rewrite(file, dir.resolve("noprops.zip"), ModelFiles.PROPERTIES, null);
        assertRejects(() -> TrainedModel.load(noProps), "entry \"scoresde/model.properties\" is missing");
        String props = new String(entry(file, ModelFiles.PROPERTIES));
        Path future = rewrite(file, dir.resolve("future.zip"), ModelFiles.PROPERTIES,
                props.replace("formatVersion=1", "formatVersion=7").getBytes());
        assertRejects(() -> TrainedModel.load(future), "format version 7 is not supported");
        Path noSde = rewrite(file, dir.resolve("nosde.zip"), ModelFiles.PROPERTIES,
                props.replaceAll("sde=[^\\n]*\\n", "").getBytes());
        assertRejects(() -> TrainedModel.load(noSde), "\"sde\" is missing");
        Path noWeights = rewrite(file, dir.resolve("noweights.zip"), "coefficients.bin", null);
        assertRejects(() -> TrainedModel.load(noWeights), "entry \"coefficients.bin\" is missing");
    }

    private static byte[] entry(Path zip, String name) throws IOException {
        try (var z = new java.util.zip.ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry(name)).readAllBytes();
        }
    }

    /** Copies a zip, replacing (or dropping, with null) one entry. */
    private static Path rewrite(Path in, Path out, String name, byte[] content) throws IOException {
        try (var z = new java.util.zip.ZipFile(in.toFile()); OutputStream os = Files.newOutputStream(out);
                ZipOutputStream zos = new ZipOutputStream(os)) {
            var all = z.entries();
            while (all.hasMoreElements()) {
                ZipEntry e = all.nextElement();
                if (e.getName().equals(name)) {
                    if (content != null) {
                        zos.putNextEntry(new ZipEntry(name));
                        zos.write(content);
                        zos.closeEntry();
                    }
                    continue;
                }
                zos.putNextEntry(new ZipEntry(e.getName()));
                zos.write(z.getInputStream(e).readAllBytes());
                zos.closeEntry();
            }
        }
        return out;
    }

    @Test
    void settingsRejectBadValues() {
        assertRejects(() -> Trainer.Settings.builder().steps(0).seed(1).build(), "steps must be positive", "0");
        assertRejects(() -> Trainer.Settings.builder().steps(10).batchSize(-2).build(), "batchSize must be positive", "-2");
        assertRejects(() -> Trainer.Settings.builder().steps(10).checkpoints(5, null).build(), "checkpoint must be given");
        assertRejects(() -> Trainer.Settings.builder().steps(10).ema(1.5, true).build(), "emaDecay must lie in [0.0, 1.0]");
        assertRejects(() -> new Trainer(settings(2)).train(small(), new VpSde(), ToyData.GMM_64.source(),
                DataScaler.identity(64)), "the data has 64 dimensions but the network 2");
    }
}
