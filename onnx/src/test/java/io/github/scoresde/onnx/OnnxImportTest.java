package io.github.scoresde.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.ImportedScoreNetwork;
import io.github.scoresde.nn.NetworkScoreFunction;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.TimeInput;
import io.github.scoresde.samplers.DdimSampler;
import io.github.scoresde.samplers.DpmSolverSampler;
import io.github.scoresde.samplers.EdmHeunSampler;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.likelihood.HutchinsonDivergence;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.samplers.ode.EulerSolver;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.training.TrainedModel;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The committed fixture (onnx/src/test/python/make_fixtures.py: the tutorial U-Net of
 * ../shared/BENCHMARKS.md at reduced widths, random weights, exported by PyTorch 1.13) imported
 * and checked against PyTorch's own outputs and input vector-Jacobian products on fixed inputs.
 * Tolerance: float32, 1e-5 of the largest output (PyTorch's and ND4J's kernels sum in different
 * orders).
 */
class OnnxImportTest {
    private static final Path FIXTURE = Path.of("src/test/resources/onnx/tutorial-unet-small.onnx");
    private static final Sde SDE = new VeSde(0.01, 25);
    private static TrainedModel model;

    @TempDir
    Path dir;

    static INDArray npy(String what) {
        return Nd4j.createFromNpyFile(new File("src/test/resources/onnx/tutorial-unet-small." + what + ".npy"));
    }

    static OnnxImport.Builder tutorial() {
        return OnnxImport.builder().sde(SDE).parameterization(Parameterization.DIRECT).timeInput(TimeInput.time())
                .sampleShape(1, 28, 28);
    }

    @BeforeAll
    static void load() {
        model = tutorial().build().importFile(FIXTURE);
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    @Test
    void scoresEqualPyTorchs() {
        INDArray want = npy("out");
        INDArray got = model.score().score(npy("x"), npy("t"));
        assertArrayEquals(want.shape(), got.shape());
        double scale = want.amaxNumber().doubleValue();
        assertTrue(scale > 1, "the fixture's outputs are not trivial");
        assertTrue(maxAbsDiff(got, want) <= 1e-5 * scale, "max |ND4J - PyTorch| " + maxAbsDiff(got, want)
                + " against 1e-5 of " + scale);
    }

    @Test
    void inputVjpEqualsPyTorchsAndFiniteDifferences() {
        INDArray x = npy("x");
        INDArray t = npy("t");
        INDArray v = npy("v");
        INDArray want = npy("vjp");
        INDArray got = model.score().vectorJacobianProduct(x, t, v);
        double scale = want.amaxNumber().doubleValue();
        assertTrue(maxAbsDiff(got, want) <= 1e-4 * scale, "max |ND4J - PyTorch| " + maxAbsDiff(got, want)
                + " against 1e-4 of " + scale);
        // directional derivative along u: (f(x + h u) - f(x - h u)) . v / 2h = vjp . u per example,
        // central differences at h and h/2 with Richardson's extrapolation (error O(h^4))
        INDArray u = RandomSource.of(3).gaussian(DataType.FLOAT, 0, 4, 1, 28, 28);
        double h = 1e-2;
        double[] coarse = directional(x, t, u, v, h);
        double[] fine = directional(x, t, u, v, h / 2);
        for (int i = 0; i < 4; i++) {
            double fd = (4 * fine[i] - coarse[i]) / 3;
            double exact = got.slice(i).mul(u.slice(i)).sumNumber().doubleValue();
            assertEquals(exact, fd, 5e-3 * Math.abs(exact) + 1e-2, "example " + i);
        }
    }

    private static double[] directional(INDArray x, INDArray t, INDArray u, INDArray v, double h) {
        INDArray plus = model.score().score(x.add(u.mul(h)), t);
        INDArray minus = model.score().score(x.sub(u.mul(h)), t);
        double[] d = new double[4];
        for (int i = 0; i < 4; i++) {
            d[i] = plus.slice(i).sub(minus.slice(i)).mul(v.slice(i)).sumNumber().doubleValue() / (2 * h);
        }
        return d;
    }

    @Test
    void parameterizationsMapTheOutputAndItsVjp() {
        INDArray x = npy("x");
        INDArray t = npy("t");
        INDArray v = npy("v");
        ImportedScoreNetwork net = (ImportedScoreNetwork) model.network();
        INDArray out = net.output(x, t);
        INDArray outVjp = net.vectorJacobianProduct(x, t, v);
        for (Parameterization p : new Parameterization[] {Parameterization.EPSILON, Parameterization.DATA}) {
            NetworkScoreFunction score = new TrainedModel(net, SDE, p, model.scaler()).score();
            INDArray got = score.score(x, t);
            INDArray gotVjp = score.vectorJacobianProduct(x, t, v);
            for (int i = 0; i < 4; i++) {
                double ti = t.getDouble(i);
                double s = SDE.marginalStd(ti);
                // score = -net / s, or (m net - x) / s^2; its VJP the same map of the network's with v for x
                INDArray want = p == Parameterization.EPSILON ? out.slice(i).mul(-1 / s)
                        : out.slice(i).mul(SDE.meanCoefficient(ti)).sub(x.slice(i)).div(s * s);
                INDArray wantVjp = p == Parameterization.EPSILON ? outVjp.slice(i).mul(-1 / s)
                        : outVjp.slice(i).mul(SDE.meanCoefficient(ti)).sub(v.slice(i)).div(s * s);
                assertTrue(maxAbsDiff(got.slice(i), want) <= 1e-5 * want.amaxNumber().doubleValue(), p + " " + i);
                assertTrue(maxAbsDiff(gotVjp.slice(i), wantVjp) <= 1e-5 * wantVjp.amaxNumber().doubleValue(),
                        p + " VJP " + i);
            }
        }
    }

    @Test
    void everySamplerRunsOnTheImportedNetwork() {
        NetworkScoreFunction score = model.score();
        Sampler[] samplers = {
            PredictorCorrectorSampler.builder().steps(3).build(),
            ProbabilityFlowSampler.builder().solver(new EulerSolver(3)).build(),
            EdmHeunSampler.builder().steps(3).build(),
            EdmHeunSampler.builder().steps(3).churn(10).build(),
            DpmSolverSampler.builder().steps(3).build(),
            DdimSampler.builder().steps(3).eta(1).build()};
        for (Sampler s : samplers) {
            INDArray x = s.sample(SDE, score, 2, RandomSource.of(5)).samples();
            assertArrayEquals(new long[] {2, 1, 28, 28}, x.shape(), s.toString());
            assertTrue(x.amaxNumber().doubleValue() < 1e6 && !Double.isNaN(x.sumNumber().doubleValue()), s.toString());
        }
        Likelihood.Result r = Likelihood.builder().solver(new EulerSolver(3)).divergence(new HutchinsonDivergence(
                HutchinsonDivergence.Probe.RADEMACHER, 1)).build().logLikelihood(SDE, score,
                npy("x").get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)), RandomSource.of(6));
        assertTrue(Double.isFinite(r.logLikelihood()[0]) && Double.isFinite(r.logLikelihood()[1]));
    }

    @Test
    void modelFileRoundTrip() {
        Path file = dir.resolve("imported.zip");
        model.save(file);
        TrainedModel back = TrainedModel.load(file);
        assertEquals(Parameterization.DIRECT, back.parameterization());
        assertEquals(SDE.spec(), back.sde().spec());
        ImportedScoreNetwork net = (ImportedScoreNetwork) back.network();
        assertEquals(((ImportedScoreNetwork) model.network()).signature().toProperties(), net.signature().toProperties());
        INDArray x = npy("x");
        INDArray t = npy("t");
        assertTrue(maxAbsDiff(back.score().score(x, t), npy("out")) <= 1e-5 * npy("out").amaxNumber().doubleValue());
    }

    @Test
    void badFilesAreRefusedByName() throws IOException {
        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "this is not a model\n", StandardCharsets.UTF_8);
        OnnxImport imp = tutorial().build();
        IllegalArgumentException e = assertThrows(OnnxImportException.class, () -> imp.importFile(text));
        assertTrue(e.getMessage().contains("not an ONNX model") && e.getMessage().contains("notes.onnx"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> imp.importFile(dir.resolve("missing.onnx")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        Path truncated = dir.resolve("truncated.onnx");
        byte[] all = Files.readAllBytes(FIXTURE);
        Files.write(truncated, java.util.Arrays.copyOf(all, all.length / 2));
        e = assertThrows(OnnxImportException.class, () -> imp.importFile(truncated));
        assertTrue(e.getMessage().contains("truncated.onnx"), e.getMessage());
    }

    @Test
    void declarationsThatDoNotMatchTheGraphAreRefused() {
        OnnxImportException e = assertThrows(OnnxImportException.class,
                () -> tutorial().sampleShape(1, 32, 32).build().importFile(FIXTURE));
        assertTrue(e.getMessage().contains("[1, 32, 32]"), e.getMessage());
        e = assertThrows(OnnxImportException.class, () -> tutorial().input("image").build().importFile(FIXTURE));
        assertTrue(e.getMessage().contains("no input \"image\"") && e.getMessage().contains("[x, t]"), e.getMessage());
        e = assertThrows(OnnxImportException.class, () -> tutorial().output("eps").build().importFile(FIXTURE));
        assertTrue(e.getMessage().contains("no output \"eps\""), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> OnnxImport.builder().sde(SDE).sampleShape(1, 28, 28).build());
        assertTrue(missing.getMessage().contains("parameterization"), missing.getMessage());
    }

    @Test
    void unsupportedOperatorsAreNamedWithTheirNode() throws IOException {
        onnx.Onnx.ModelProto m = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(FIXTURE));
        onnx.Onnx.GraphProto.Builder g = m.getGraph().toBuilder();
        // an operator ND4J M2.1 does not map, spliced in before the output
        String last = g.getNode(g.getNodeCount() - 1).getOutput(0);
        g.getNodeBuilder(g.getNodeCount() - 1).setOutput(0, "pre_norm");
        g.addNode(onnx.Onnx.NodeProto.newBuilder().setOpType("LpNormalization").setName("my_norm")
                .addInput("pre_norm").addOutput(last));
        Path file = dir.resolve("lpnorm.onnx");
        Files.write(file, m.toBuilder().setGraph(g).build().toByteArray());
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> tutorial().build().importFile(file));
        assertTrue(e.getMessage().contains("LpNormalization (node \"my_norm\")"), e.getMessage());
    }
}
