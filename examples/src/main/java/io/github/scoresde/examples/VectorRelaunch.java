package io.github.scoresde.examples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Makes {@code java -jar scoresde.jar ...} run with the fast kernels: the Java Vector API they use
 * is an incubator module in Java 17, loaded only with {@code --add-modules jdk.incubator.vector},
 * which a jar's manifest cannot request. When the module is missing, the CLI starts itself again
 * in a child JVM with that flag (same JVM options, class path and arguments, inherited standard
 * streams) and exits with the child's exit code. Set {@code SCORESDE_NO_RELAUNCH=1} (or
 * {@code -Dscoresde.noRelaunch=true}) to stay in the first JVM, which then uses ND4J's slower
 * element-wise ops.
 */
final class VectorRelaunch {
    static final String MODULE = "jdk.incubator.vector";

    private VectorRelaunch() {
    }

    /** The child's exit code when a relaunch happened, empty when this JVM should go on. */
    static OptionalInt relaunchIfNeeded(String mainClass, String[] args) {
        if (ModuleLayer.boot().findModule(MODULE).isPresent() || Boolean.getBoolean("scoresde.noRelaunch")
                || System.getenv("SCORESDE_NO_RELAUNCH") != null) {
            return OptionalInt.empty();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add(MODULE);
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-Dscoresde.noRelaunch=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            return OptionalInt.of(p.waitFor());
        } catch (IOException e) {
            System.err.println("could not start a JVM with --add-modules " + MODULE + " (" + e.getMessage()
                    + "); going on with ND4J's element-wise ops");
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.of(130);
        }
    }
}
