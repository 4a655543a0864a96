package io.github.scoresde.experiments;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.nn.ImportedScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.ScoreNetwork;
import io.github.scoresde.nn.TimeInput;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.onnx.OnnxImport;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.training.TrainedModel;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The full-size tutorial U-Net (1,115,297 weights) built and exported by PyTorch with the onnx
 * module's fixture script ({@code make_fixtures.py --full}), imported, checked against PyTorch's
 * outputs and input VJP (float32, the tolerances of OnnxImportTest), and timed beside this
 * library's own U-Net of the same architecture: forward passes at batch 256 and input VJPs at
 * batch 64 (B7's sizes), the two networks' calls alternating, medians of 7 after 2 warm-up rounds,
 * printed, never asserted. Needs
 * Debian's python3-torch and python3-onnx (skipped otherwise). About 2 minutes on 2 cores:
 * {@code mvn -B test -Pslow -Dtest=OnnxImportExperiment -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class OnnxImportExperiment {

    @Test
    void fullSizeTutorialUNet() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c",
                "import torch, onnx").start().waitFor() == 0,
                "skipped: needs /usr/bin/python3 with torch and onnx (apt-get install python3-torch python3-onnx)");
        Path dir = Files.createDirectories(Path.of("target", "onnx-full"));
        Process p = new ProcessBuilder(python.toString(), "../onnx/src/test/python/make_fixtures.py", dir.toString(),
                "--full").inheritIO().start();
        assertTrue(p.waitFor() == 0, "the fixture script failed");
        TrainedModel model = OnnxImport.builder().sde(new VeSde(0.01, 25)).parameterization(Parameterization.DIRECT)
                .timeInput(TimeInput.time()).sampleShape(1, 28, 28).build().importFile(dir.resolve("tutorial-unet.onnx"));
        INDArray x = npy(dir, "x");
        INDArray t = npy(dir, "t");
        INDArray out = npy(dir, "out");
        double scale = out.amaxNumber().doubleValue();
        double diff = model.score().score(x, t).sub(out).amaxNumber().doubleValue();
        INDArray vjp = npy(dir, "vjp");
        double vjpDiff = model.score().vectorJacobianProduct(x, t, npy(dir, "v")).sub(vjp).amaxNumber().doubleValue();
        System.out.printf("full-size tutorial U-Net: max |ND4J - PyTorch| %.3g of %.3g (outputs), %.3g of %.3g (VJP)%n",
                diff, scale, vjpDiff, vjp.amaxNumber().doubleValue());
        assertTrue(diff <= 1e-5 * scale, "outputs differ by " + diff);
        assertTrue(vjpDiff <= 1e-4 * vjp.amaxNumber().doubleValue(), "VJPs differ by " + vjpDiff);

        ScoreNetwork imported = model.network();
        ScoreNetwork own = UNetScoreNetwork.create(UNetConfig.tutorial());
        INDArray xf = Nd4j.rand(DataType.FLOAT, 256, 1, 28, 28);
        INDArray tf = Nd4j.valueArrayOf(256, 0.5f);
        INDArray xv = Nd4j.rand(DataType.FLOAT, 64, 1, 28, 28);
        INDArray tv = Nd4j.valueArrayOf(64, 0.5f);
        INDArray v = Nd4j.rand(DataType.FLOAT, 64, 1, 28, 28);
        ScoreNetwork[] nets = {imported, own};
        // the two networks' calls alternate, so that both see the machine's speed of the moment
        double[][] forward = new double[2][7];
        double[][] backward = new double[2][7];
        for (int i = -2; i < 7; i++) {
            for (int k = 0; k < 2; k++) {
                ScoreNetwork net = nets[k];
                double f = seconds(() -> net.output(xf, tf));
                double b = seconds(() -> net.vectorJacobianProduct(xv, tv, v));
                if (i >= 0) {
                    forward[k][i] = f;
                    backward[k][i] = b;
                }
            }
        }
        System.out.println("| network | forward, batch 256 (s) | input VJP, batch 64 (s) |");
        System.out.println("|---|---|---|");
        for (int k = 0; k < 2; k++) {
            System.out.printf("| %s | %.3f | %.3f |%n", k == 0 ? "imported (ONNX)" : "UNetScoreNetwork",
                    median(forward[k]), median(backward[k]));
        }
    }

    private static double seconds(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] s) {
        double[] c = s.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static INDArray npy(Path dir, String what) {
        return Nd4j.createFromNpyFile(new File(dir.toFile(), "tutorial-unet." + what + ".npy"));
    }
}
