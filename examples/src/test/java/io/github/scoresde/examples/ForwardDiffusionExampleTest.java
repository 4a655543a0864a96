package io.github.scoresde.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardDiffusionExampleTest {

    @Test
    void writesOnePngWithAPanelPerTime(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub/forward.png");
        ForwardDiffusionExample.Result r = ForwardDiffusionExample.run(
                new ForwardDiffusionExample.Options(SdeChoice.VE, 50, 1, new double[] {0, 0.5, 1, 0.2}, out));
        assertEquals(4, r.panels());
        BufferedImage img = ImageIO.read(Files.newInputStream(out));
        // 3 columns x 2 rows of 360 x 360 panels
        assertEquals(3 * 360, img.getWidth());
        assertEquals(2 * 360, img.getHeight());
    }

    @Test
    void badArgumentsExitNonZeroWithOneLine(@TempDir Path dir) {
        assertError(2, "Unknown SDE \"euler\"; expected one of [vp, subvp, ve]", "--sde", "euler");
        assertError(1, "t must lie in [0.0, 1.0]; got 1.5", "--times", "0,1.5", "--out",
                dir.resolve("x.png").toString());
        assertError(1, "--n must be positive; got 0", "--n", "0");
        assertError(2, "Unknown option: '--bogus'", "--bogus");
    }

    static void assertError(int code, String message, String... args) {
        StringWriter err = new StringWriter();
        int rc = Cli.execute(new ForwardDiffusionExample(), new PrintWriter(new StringWriter()), new PrintWriter(err),
                args);
        assertEquals(code, rc, "exit code for " + String.join(" ", args) + "; stderr: " + err);
        assertTrue(err.toString().contains(message), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }
}
