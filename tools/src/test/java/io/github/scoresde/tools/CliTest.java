package io.github.scoresde.tools;

import static io.github.scoresde.tools.CliAssert.assertError;
import static io.github.scoresde.tools.CliAssert.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every subcommand end to end on tiny inputs, and the error policy. */
class CliTest {

    @Test
    void trainSampleLikelihoodEncodeDecodeEndToEnd(@TempDir Path dir) {
        Path model = dir.resolve("model.zip");
        run("train", "--data", "checkerboard", "--sde", "subvp", "--steps", "4", "--batch", "32", "--seed", "1",
                "--out", model.toString(), "--checkpoint-every", "2");
        assertTrue(Files.exists(model));
        assertTrue(Files.exists(Path.of(model + ".checkpoint.zip")));
        // resume the checkpoint to step 6
        Path resumed = dir.resolve("resumed.zip");
        run("train", "--data", "checkerboard", "--sde", "subvp", "--steps", "6", "--batch", "32", "--seed", "1",
                "--out", resumed.toString(), "--resume", model + ".checkpoint.zip", "--checkpoint-every", "0");
        assertTrue(Files.exists(resumed));

        Path samples = dir.resolve("samples.csv");
        run("sample", "--model", model.toString(), "--sampler", "em", "--steps", "5", "--n", "10", "--seed", "2",
                "--out", samples.toString());
        INDArray s = ArrayFiles.read(samples);
        assertArrayEquals(new long[] {10, 2}, s.shape());

        Path exact = dir.resolve("exact.npy");
        run("sample", "--score", "exact:eight-gaussians", "--sde", "ve", "--sampler", "ode", "--rtol", "1e-4", "--atol",
                "1e-4", "--n", "16", "--seed", "3", "--out", exact.toString());
        INDArray e = ArrayFiles.read(exact);
        assertArrayEquals(new long[] {16, 2}, e.shape());
        double r = e.norm2(1).meanNumber().doubleValue();
        assertTrue(r > 1.7 && r < 2.3, "ODE samples of eight-gaussians lie near radius 2: " + r);

        // the few-step samplers: counted evaluations printed, a latent file gives the samples alone
        Path prior = dir.resolve("prior.npy");
        ArrayFiles.write(new io.github.scoresde.sde.VpSde().priorSample(RandomSource.of(9), 0, 12, 2), prior);
        String[][] fast = {{"heun", "6", "11"}, {"heun-sde", "6", "11"}, {"dpm++2m", "8", "8"}, {"ddim", "9", "9"}};
        for (String[] f : fast) {
            Path a = dir.resolve(f[0] + "-a.csv");
            Path b = dir.resolve(f[0] + "-b.csv");
            String said = run("sample", "--score", "exact:eight-gaussians", "--sde", "vp", "--sampler", f[0], "--steps",
                    f[1], "--latent", prior.toString(), "--seed", "1", "--out", a.toString());
            assertTrue(said.contains("wrote 12 samples") && said.contains("(" + f[2] + " score evaluations"), said);
            run("sample", "--score", "exact:eight-gaussians", "--sde", "vp", "--sampler", f[0], "--steps", f[1],
                    "--latent", prior.toString(), "--seed", "2", "--out", b.toString());
            assertEquals(!f[0].equals("heun-sde"), ArrayFiles.read(a).equals(ArrayFiles.read(b)), f[0]);
        }
        assertError(1, "--eta is a setting of --sampler ddim", "sample", "--score", "exact:eight-gaussians", "--sampler",
                "pc", "--eta", "1", "--n", "4", "--out", dir.resolve("x.csv").toString());
        assertError(1, "--n 5 does not match", "sample", "--score", "exact:eight-gaussians", "--sampler", "dpm++2m",
                "--latent", prior.toString(), "--n", "5", "--out", dir.resolve("x.csv").toString());
        assertError(1, "has shape [12, 2]", "sample", "--score", "exact:gmm-64", "--sampler", "dpm++2m", "--latent",
                prior.toString(), "--out", dir.resolve("x.csv").toString());
        assertError(1, "--n is required", "sample", "--score", "exact:gmm-64", "--sampler", "dpm++2m", "--out",
                dir.resolve("x.csv").toString());

        Path points = dir.resolve("points.npy");
        ArrayFiles.write(GaussianMixture.eightGaussians().sample(50, RandomSource.of(4)), points);
        Path nll = dir.resolve("nll.csv");
        String out = run("likelihood", "--score", "exact:eight-gaussians", "--sde", "vp", "--data", points.toString(),
                "--divergence", "exact", "--out", nll.toString());
        assertTrue(out.startsWith("mean NLL ") && out.contains("standard error"), out);
        INDArray values = ArrayFiles.read(nll);
        assertEquals(50, values.size(0));
        double[] exactLp = GaussianMixture.eightGaussians().logDensity(ArrayFiles.read(points));
        double mean = 0;
        for (int i = 0; i < 50; i++) {
            mean += (values.getDouble(i, 0) + exactLp[i]) / 50;
        }
        assertEquals(0, mean, 0.01, "CLI NLL against the exact NLL");

        Path latent = dir.resolve("latent.csv");
        Path decoded = dir.resolve("decoded.csv");
        run("encode", "--score", "exact:eight-gaussians", "--data", points.toString(), "--out", latent.toString());
        run("decode", "--score", "exact:eight-gaussians", "--latent", latent.toString(), "--ode-stabilization", "0.04",
                "--out", decoded.toString());
        INDArray back = ArrayFiles.read(decoded);
        assertTrue(back.sub(ArrayFiles.read(points)).norm2(1).maxNumber().doubleValue() < 0.05, "round trip");
        run("likelihood", "--model", model.toString(), "--data", samples.toString(), "--divergence", "hutchinson",
                "--out", dir.resolve("model-nll.csv").toString());
    }

    @Test
    void npyHeaderIsByteExactAndRoundTrips(@TempDir Path dir) throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
        StringBuilder expected = new StringBuilder("\u0093NUMPY\u0001\u0000");
        int headerLen = 128 - 10; // 10 + 60 + padding + newline = 128 (two 64-byte blocks)
        expected.append((char) headerLen).append('\u0000').append(dict);
        expected.append(" ".repeat(headerLen - dict.length() - 1)).append('\n');
        byte[] want = expected.toString().getBytes(StandardCharsets.ISO_8859_1);
        assertArrayEquals(want, ArrayFiles.npyHeader(3, 2));
        INDArray x = Nd4j.createFromArray(new float[][] {{1, -2.5f}, {3, 4}, {0.125f, 6}});
        Path f = dir.resolve("x.npy");
        ArrayFiles.write(x, f);
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(128 + 6 * 4, bytes.length);
        // little-endian float32 of -2.5 is 0x00 0x00 0x20 0xC0
        assertArrayEquals(new byte[] {0, 0, 0x20, (byte) 0xC0}, java.util.Arrays.copyOfRange(bytes, 132, 136));
        assertEquals(x, ArrayFiles.read(f));
    }

    @Test
    void badArgumentsExitNonZeroWithAMessage(@TempDir Path dir) throws Exception {
        assertError(1, "Unknown sampler \"euler\"; expected one of [em, pc, ancestral, ode, heun, heun-sde, dpm++2m, ddim]", "sample", "--score",
                "exact:eight-gaussians", "--sampler", "euler", "--n", "4", "--out", dir.resolve("s.csv").toString());
        assertError(1, "--n must be positive; got 0", "sample", "--score", "exact:eight-gaussians", "--n", "0",
                "--out", dir.resolve("s.csv").toString());
        assertError(1, "no such file", "sample", "--model", dir.resolve("missing.zip").toString(), "--n", "4", "--out",
                dir.resolve("s.csv").toString());
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "1,2\n3\n");
        assertError(1, "bad.csv line 2: expected 2 values, got 1", "train", "--data", bad.toString(), "--steps", "1",
                "--out", dir.resolve("m.zip").toString());
        assertError(1, "Unknown data set \"spiral\"", "train", "--data", "spiral", "--out",
                dir.resolve("m.zip").toString());
        assertError(1, "Unsupported file type", "sample", "--score", "exact:gmm-64", "--n", "2", "--out",
                dir.resolve("s.txt").toString());
        assertError(1, "Unknown divergence \"trace\"", "likelihood", "--score", "exact:gmm-64", "--data",
                bad.toString(), "--divergence", "trace", "--out", dir.resolve("n.csv").toString());
        assertError(1, "--score must be exact:<name>", "sample", "--score", "net:x", "--n", "2", "--out",
                dir.resolve("s.csv").toString());
        assertError(1, "--ode-stabilization must lie in [0.0, 0.1]; got 0.5", "sample", "--score",
                "exact:eight-gaussians", "--sampler", "ode", "--ode-stabilization", "0.5", "--n", "4", "--out",
                dir.resolve("s.csv").toString());
        assertError(2, "Missing required", "sample", "--n", "2", "--out", dir.resolve("s.csv").toString());
        assertError(2, "mutually exclusive", "sample", "--model", "a.zip", "--score", "exact:gmm-64", "--n", "2",
                "--out", dir.resolve("s.csv").toString());
    }

    /**
     * A finished model file continues training: 4 steps, then on to 7 from the model file, gives the
     * model of one 7-step run (same seed and batch), value for value; a model without training
     * state is refused with a message saying what to resume from.
     */
    @Test
    void aModelFileContinuesTrainingToTheUninterruptedResult(@TempDir Path dir) {
        String[] common = {"--data", "moons", "--sde", "vp", "--batch", "32", "--seed", "3"};
        Path straight = dir.resolve("straight.zip");
        Path first = dir.resolve("first.zip");
        Path second = dir.resolve("second.zip");
        run(concat(common, "train", "--steps", "7", "--out", straight.toString()));
        run(concat(common, "train", "--steps", "4", "--out", first.toString()));
        String out = run(concat(common, "train", "--steps", "7", "--resume", first.toString(), "--out",
                second.toString()));
        assertTrue(out.contains("trained 3 steps"), out);
        io.github.scoresde.training.TrainedModel a = io.github.scoresde.training.TrainedModel.load(straight);
        io.github.scoresde.training.TrainedModel b = io.github.scoresde.training.TrainedModel.load(second);
        assertArrayEquals(a.network().params().toFloatVector(), b.network().params().toFloatVector());
        assertTrue(out.contains("resuming " + first + ": its SDE (vp;0.1;20.0)"), out);
        // options that contradict the resumed state are refused, not ignored
        assertError(1, "contradicts the SDE of", "train", "--data", "moons", "--batch", "32", "--seed", "3", "--steps",
                "9", "--resume", first.toString(), "--sde", "ve", "--out", dir.resolve("x.zip").toString());
        assertError(1, "contradicts the learning rate of", concat(common, "train", "--steps", "9", "--resume",
                first.toString(), "--lr", "0.01", "--out", dir.resolve("x.zip").toString()));
        assertError(1, "has 64 dimensions but", "train", "--data", "gmm-64", "--steps", "9", "--resume",
                first.toString(), "--out", dir.resolve("x.zip").toString());
        Path plain = dir.resolve("plain.zip");
        a.save(plain);
        assertError(1, "holds a model without its training state", concat(common, "train", "--steps", "9",
                "--resume", plain.toString(), "--out", dir.resolve("x.zip").toString()));
    }

    /**
     * VE's sigma_max and kernel are chosen on the command line, recorded in the model file and
     * printed: the approximate kernel's marginal std is sigma(t), the exact one's
     * sqrt(sigma(t)^2 - sigma_min^2); they are refused for other SDEs and for a model's own SDE.
     */
    @Test
    void veKernelAndSigmaMaxAreChosenRecordedAndPrinted(@TempDir Path dir) {
        Path model = dir.resolve("ve.zip");
        String out = run("train", "--data", "moons", "--sde", "ve", "--sigma-max", "7", "--ve-kernel", "approximate",
                "--steps", "1", "--batch", "16", "--out", model.toString());
        assertTrue(out.contains("ve;0.01;7.0;SIGMA_APPROXIMATION"), out);
        io.github.scoresde.sde.Sde sde = io.github.scoresde.training.TrainedModel.load(model).sde();
        assertEquals(new io.github.scoresde.sde.VeSde(0.01, 7, io.github.scoresde.sde.VeSde.Kernel.SIGMA_APPROXIMATION),
                sde);
        double sigma = 0.01 * Math.pow(700, 0.3);
        assertEquals(sigma, sde.marginalStd(0.3), 1e-12);
        assertEquals(Math.sqrt(sigma * sigma - 1e-4),
                new io.github.scoresde.sde.VeSde(0.01, 7, io.github.scoresde.sde.VeSde.Kernel.EXACT).marginalStd(0.3),
                1e-12);
        assertError(1, "--sigma-max and --ve-kernel apply to --sde ve only", "train", "--data", "moons", "--sde", "vp",
                "--sigma-max", "7", "--steps", "1", "--out", dir.resolve("y.zip").toString());
        assertError(1, "Unknown VE kernel \"sigma\"", "train", "--data", "moons", "--sde", "ve", "--ve-kernel",
                "sigma", "--steps", "1", "--out", dir.resolve("y.zip").toString());
        assertError(1, "the model's is recorded in", "sample", "--model", model.toString(), "--sigma-max", "5", "--n",
                "4", "--out", dir.resolve("s.npy").toString());
    }

    /**
     * The likelihood's start time is an option and the output names it: at eps the NLL is that of
     * p_eps, the data mixture perturbed to eps, whose exact log-density is the mixture's closed form
     * with m(eps), s(eps).
     */
    @Test
    void likelihoodAtAChosenEpsIsThePerturbedDensity(@TempDir Path dir) {
        GaussianMixture mix = GaussianMixture.eightGaussians();
        INDArray x = mix.sample(40, RandomSource.of(8));
        Path points = dir.resolve("p.npy");
        ArrayFiles.write(x, points);
        io.github.scoresde.sde.VpSde vp = new io.github.scoresde.sde.VpSde();
        for (double eps : new double[] {1e-5, 0.05}) {
            Path nll = dir.resolve("nll" + eps + ".csv");
            String out = run("likelihood", "--score", "exact:eight-gaussians", "--sde", "vp", "--data",
                    points.toString(), "--eps", Double.toString(eps), "--out", nll.toString());
            assertTrue(out.contains("at t = " + eps), out);
            double[] got = ArrayFiles.read(nll).toDoubleVector();
            double[] m = new double[40];
            double[] sd = new double[40];
            java.util.Arrays.fill(m, vp.meanCoefficient(eps));
            java.util.Arrays.fill(sd, vp.marginalStd(eps));
            double[] exact = mix.perturbedLogDensity(x.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), m, sd);
            for (int i = 0; i < 40; i++) {
                assertEquals(-exact[i], got[i], 2e-3, "point " + i + " at eps " + eps);
            }
        }
        String enc = run("encode", "--score", "exact:eight-gaussians", "--data", points.toString(), "--eps", "0.05",
                "--out", dir.resolve("z.npy").toString());
        assertTrue(enc.contains("placed at t = 0.05"), enc);
    }

    /**
     * An output that is one of the command's inputs, has an extension the command cannot write, is
     * a directory or lies in a folder that cannot be written is refused before any work, naming the
     * options; the inputs are left as they were.
     */
    @Test
    void outputsAreCheckedBeforeAnyWorkAndNeverReplaceAnInput(@TempDir Path dir) throws Exception {
        Path points = dir.resolve("points.csv");
        ArrayFiles.write(GaussianMixture.eightGaussians().sample(20, RandomSource.of(4)), points);
        byte[] before = Files.readAllBytes(points);
        assertError(1, "--out " + points + " is the same file as --data " + points, "likelihood", "--score",
                "exact:eight-gaussians", "--data", points.toString(), "--out", points.toString());
        assertError(1, "is the same file as --data", "encode", "--score", "exact:eight-gaussians", "--data",
                points.toString(), "--out", dir.resolve("sub/../points.csv").toString());
        Path latents = dir.resolve("z.npy");
        ArrayFiles.write(GaussianMixture.eightGaussians().sample(5, RandomSource.of(5)), latents);
        assertError(1, "is the same file as --latent", "decode", "--score", "exact:eight-gaussians", "--latent",
                latents.toString(), "--out", latents.toString());
        Path model = dir.resolve("m.zip");
        run("train", "--data", "moons", "--steps", "2", "--batch", "16", "--out", model.toString());
        byte[] modelBefore = Files.readAllBytes(model);
        assertError(1, "is the same file as --resume", "train", "--data", "moons", "--steps", "4", "--resume",
                model.toString(), "--out", model.toString());
        assertError(1, "is the same file as --checkpoint", "train", "--data", "moons", "--steps", "4", "--checkpoint",
                dir.resolve("c.zip").toString(), "--out", dir.resolve("c.zip").toString());
        assertError(1, "Unsupported file type", "train", "--data", "moons", "--steps", "100000", "--out",
                dir.resolve("m.txt").toString());
        assertError(1, "is a directory", "sample", "--score", "exact:eight-gaussians", "--n", "100000000", "--out",
                Files.createDirectory(dir.resolve("folder.npy")).toString());
        Path readOnly = Files.createDirectory(dir.resolve("ro"));
        assertTrue(readOnly.toFile().setWritable(false, false));
        try {
            if (!Files.isWritable(readOnly)) { // root may write anywhere: then the check cannot be seen
                assertError(1, "is not a writable folder", "sample", "--score", "exact:eight-gaussians", "--n", "4",
                        "--out", readOnly.resolve("s.npy").toString());
            }
        } finally {
            readOnly.toFile().setWritable(true, false);
        }
        assertArrayEquals(before, Files.readAllBytes(points));
        assertArrayEquals(modelBefore, Files.readAllBytes(model));
    }

    /** Sizes that cannot fit are refused at once, with the memory they need, not with a crash later. */
    @Test
    void sizesThatCannotFitAreRefusedUpFront(@TempDir Path dir) {
        String out = dir.resolve("s.npy").toString();
        assertError(1, "--n 2000000000 needs arrays of", "sample", "--score", "exact:eight-gaussians", "--n",
                "2000000000", "--out", out);
        assertError(1, "--n 300000000 needs about", "sample", "--score", "exact:eight-gaussians", "--n", "300000000",
                "--out", out);
        assertError(1, "--batch 100000000 needs", "train", "--data", "moons", "--batch", "100000000", "--out",
                dir.resolve("m.zip").toString());
        assertError(1, "--steps 2000000000 needs about", "train", "--data", "moons", "--steps", "2000000000", "--out",
                dir.resolve("m.zip").toString());
        assertTrue(!Files.exists(dir.resolve("m.zip")) && !Files.exists(dir.resolve("s.npy")));
    }

    /** Messages name the file and the problem: an .npy header too large for an array, a bad SDE in a model. */
    @Test
    void messagesNameTheFileAndTheProblem(@TempDir Path dir) throws Exception {
        Path npy = dir.resolve("big.npy");
        byte[] header = ArrayFiles.npyHeader(3_000_000_000L, 2);
        Files.write(npy, header);
        assertError(1, "big.npy: its shape (3000000000, 2) holds more values than one array can", "encode", "--score",
                "exact:eight-gaussians", "--data", npy.toString(), "--out", dir.resolve("z.npy").toString());
        Path model = dir.resolve("m.zip");
        run("train", "--data", "moons", "--steps", "1", "--batch", "16", "--out", model.toString());
        Path bad = dir.resolve("bad.zip");
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(model.toFile());
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(bad))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(zip.entries())) {
                byte[] data = zip.getInputStream(e).readAllBytes();
                if (e.getName().equals("scoresde/model.properties")) {
                    data = new String(data, StandardCharsets.UTF_8).replace("sde=vp;", "sde=edm;")
                            .getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
        assertError(1, "Cannot read model from " + bad + ": unknown SDE type \"edm\"", "sample", "--model",
                bad.toString(), "--n", "4", "--out", dir.resolve("s.npy").toString());
    }

    private static String[] concat(String[] common, String... args) {
        String[] all = new String[args.length + common.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(common, 0, all, args.length, common.length);
        return all;
    }
}
