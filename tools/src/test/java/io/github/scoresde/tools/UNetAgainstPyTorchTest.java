package io.github.scoresde.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tutorial U-Net computes the function of the PyTorch reference's (../shared/reference-pytorch,
 * b6_unet.py) on the same weights: output and input VJP, float64 on float32-representable values.
 * Skips, saying why, where the reference or a Python with torch is missing.
 */
class UNetAgainstPyTorchTest {

    @Test
    void theTutorialUNetEqualsThePyTorchReference(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        // tests run in the module's folder: the reference lies beside the checkout, two levels up
        Path beside = Path.of("..", "..", "shared", "reference-pytorch");
        Optional<PyTorchReference> ref = PyTorchReference.locate(Files.isDirectory(beside) ? beside : null, null, dir,
                1, new PrintWriter(log));
        Assumptions.assumeTrue(ref.isPresent(), "skipped: " + log.toString().trim());
        UNetScoreNetwork net = UNetScoreNetwork.create(UNetConfig.tutorial(), AdamSettings.defaults(), DataType.DOUBLE);
        // every value float32-representable, so that the float32 .npy files carry them exactly
        net.params().assign(net.params().castTo(DataType.FLOAT).castTo(DataType.DOUBLE));
        INDArray x = RandomSource.of(4).gaussian(DataType.FLOAT, 0, 3, 1, 28, 28).castTo(DataType.DOUBLE);
        INDArray v = RandomSource.of(5).gaussian(DataType.FLOAT, 0, 3, 1, 28, 28).castTo(DataType.DOUBLE);
        INDArray t = Nd4j.createFromArray(0.125, 0.5, 0.875);
        ArrayFiles.write(net.params().reshape(1, -1), dir.resolve("params.npy"));
        ArrayFiles.write(x, dir.resolve("x.npy"));
        ArrayFiles.write(v, dir.resolve("v.npy"));
        ArrayFiles.write(t.reshape(3, 1), dir.resolve("t.npy"));
        ArrayFiles.write(net.output(x, t), dir.resolve("out.npy"));
        ArrayFiles.write(net.vectorJacobianProduct(x, t, v), dir.resolve("vjp.npy"));
        StringBuilder layout = new StringBuilder();
        net.parameterLayout().forEach((name, shape) -> {
            layout.append(name).append(' ');
            for (int i = 0; i < shape.length; i++) {
                layout.append(i == 0 ? "" : ",").append(shape[i]);
            }
            layout.append('\n');
        });
        Files.writeString(dir.resolve("layout.txt"), layout);
        StringBuilder fourier = new StringBuilder();
        for (double w : net.embedding().frequencies()) {
            // float32-representable too: PyTorch's buffer holds them as given
            fourier.append(Double.toString(w)).append('\n');
        }
        Files.writeString(dir.resolve("fourier.txt"), fourier);
        Path script = dir.resolve("check.py");
        try (InputStream in = getClass().getResourceAsStream("/unet_against_reference.py")) {
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder(ref.get().python(), script.toString(), ref.get().dir().toString(),
                dir.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the reference finishes");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), output);
        JsonNode r = new ObjectMapper().readTree(output.substring(output.lastIndexOf('{')));
        assertEquals(1_115_297, r.get("parameters").asLong());
        // outputs are written as float32: compare to that rounding (a wrong layer gives O(1) errors)
        assertTrue(r.get("forward").asDouble() < 1e-5 * r.get("forwardScale").asDouble(), output);
        assertTrue(r.get("vjp").asDouble() < 1e-5 * r.get("vjpScale").asDouble(), output);
    }
}
