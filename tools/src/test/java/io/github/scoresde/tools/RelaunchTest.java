package io.github.scoresde.tools;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool started without the Vector API module starts itself again in a child JVM; stopping the
 * process the user started must stop the child too, however the parent ends.
 */
class RelaunchTest {

    /** The tool in a fresh JVM on this test's class path, without --add-modules: it relaunches. */
    private static Process startTool(Path dir, Path out) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "train", "--data", "moons", "--steps",
                "1000000", "--batch", "16", "--checkpoint-every", "0", "--out", out.toString());
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log.txt").toFile()).start();
    }

    /** The child JVM, once the parent has started it (up to a minute). */
    private static Optional<ProcessHandle> child(Process parent) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Optional<ProcessHandle> c = parent.toHandle().children().findFirst();
            if (c.isPresent()) {
                return c;
            }
            Thread.sleep(100);
        }
        return Optional.empty();
    }

    @Test
    void killingTheParentStopsTheChild(@TempDir Path dir) throws Exception {
        for (boolean forcibly : new boolean[] {true, false}) {
            Path out = dir.resolve("model-" + forcibly + ".zip");
            Process parent = startTool(dir, out);
            Optional<ProcessHandle> child = child(parent);
            assertTrue(child.isPresent(), "the tool relaunched itself: " + Files.readString(dir.resolve("log.txt")));
            Thread.sleep(1500);
            if (forcibly) {
                parent.destroyForcibly(); // SIGKILL: no shutdown hook runs; the child watches its parent
            } else {
                parent.destroy(); // SIGTERM: the parent's shutdown hook stops the child
            }
            assertTrue(parent.waitFor(30, TimeUnit.SECONDS));
            boolean stopped = child.get().onExit().toCompletableFuture().completeOnTimeout(null, 30, TimeUnit.SECONDS)
                    .get() != null || !child.get().isAlive();
            assertTrue(stopped, "the child JVM outlived its parent (" + (forcibly ? "SIGKILL" : "SIGTERM") + ")");
            assertFalse(Files.exists(out), "a stopped run writes no model");
        }
    }

    /** A one-line error and --help come without ND4J's start-up banner, in the relaunched JVM too. */
    @Test
    void errorsAndHelpComeWithoutTheBackendBanner(@TempDir Path dir) throws Exception {
        for (List<String> args : List.of(List.of("sample", "--score", "exact:eight-gaussians", "--n", "0", "--out",
                dir.resolve("x.npy").toString()), List.of("sample", "--help"))) {
            List<String> cmd = new java.util.ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), Main.class.getName()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertFalse(text.contains("org.nd4j") || text.contains("Backend build information"), text);
            assertTrue(text.contains(args.contains("--help") ? "Usage:" : "error: --n must be positive; got 0"), text);
        }
    }
}
