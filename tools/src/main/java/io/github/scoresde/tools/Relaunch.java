package io.github.scoresde.tools;

import io.github.scoresde.cpu.OpenBlasCore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Makes {@code java -jar scoresde.jar ...} run with the fast kernels, two things a jar's manifest
 * cannot ask for:
 * <ul>
 *   <li>the Java Vector API of the element-wise kernels, an incubator module in Java 17 loaded only
 *       with {@code --add-modules jdk.incubator.vector};</li>
 *   <li>OpenBLAS's AVX-512 kernels on CPUs that have AVX-512, chosen by the environment variable
 *       {@code OPENBLAS_CORETYPE} before the native library loads ({@link OpenBlasCore}: matrix
 *       products about 2x faster than with {@code Haswell} on the project's machine).</li>
 * </ul>
 * and, for {@code train --spark}, the JDK internals Spark reads ({@link #SPARK_OPENS}).
 * When any is missing, the CLI starts itself again in a child JVM with the flag and the
 * variable (same JVM options, class path and arguments, inherited standard streams) and exits with
 * the child's exit code. The child gets the first JVM's value of {@code OPENBLAS_CORETYPE} as the
 * system property {@value #ORIGINAL_CORE_PROPERTY} (empty when it was unset), so that
 * {@code bench} runs the PyTorch reference in the environment the user started it with. Set
 * {@code SCORESDE_NO_RELAUNCH=1} (or {@code -Dscoresde.noRelaunch=true}) to stay in the first JVM
 * (ND4J's slower element-wise ops without the module), and {@code SCORESDE_OPENBLAS_CORETYPE=keep}
 * to keep {@code OPENBLAS_CORETYPE} as it is.
 */
final class Relaunch {
    static final String MODULE = "jdk.incubator.vector";
    /** The JVM options Spark 3.1 needs on Java 17 (the same as the spark module's tests get). */
    static final List<String> SPARK_OPENS = List.of("--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    /** The system property of the child with the first JVM's {@code OPENBLAS_CORETYPE}. */
    static final String ORIGINAL_CORE_PROPERTY = "scoresde.originalOpenblasCore";

    private Relaunch() {
    }

    /**
     * The value of {@code OPENBLAS_CORETYPE} the user started the CLI with: the first JVM's when
     * this is a relaunched child, this process's otherwise; empty when it was unset.
     */
    static Optional<String> originalCoreType() {
        return OpenBlasCore.currentOr(System.getProperty(ORIGINAL_CORE_PROPERTY));
    }

    /**
     * Logs, at INFO, the OpenBLAS kernels this JVM runs with when the CLI chose them (a relaunched
     * child whose {@code OPENBLAS_CORETYPE} differs from the first JVM's), else the advice of
     * {@link OpenBlasCore#logAdvice()}.
     */
    static void logCoreChoice() {
        String now = System.getenv(OpenBlasCore.ENV);
        String original = System.getProperty(ORIGINAL_CORE_PROPERTY);
        if (original != null && now != null && !now.equals(original)) {
            org.slf4j.LoggerFactory.getLogger(Relaunch.class).info(
                    "OpenBLAS kernels: {}={} (the CLI's choice for this CPU; it was {}; {}=keep keeps it)", OpenBlasCore.ENV,
                    now, original.isEmpty() ? "unset" : original, OpenBlasCore.POLICY_ENV);
        } else {
            OpenBlasCore.logAdvice();
        }
    }

    /** The system property that tells a relaunched JVM the process id of the JVM that started it. */
    static final String PARENT_PROPERTY = "scoresde.parentPid";

    /** Asks the child to stop, and forces it after five seconds. */
    private static void stopChild(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * In a relaunched JVM: exits (code 143, as for SIGTERM) as soon as the JVM that started it is
     * gone, however it ended, so that stopping the command the user started stops the work. Files
     * are written atomically, so an interrupted command leaves its old outputs or complete new ones.
     */
    static void exitWithParent() {
        String pid = System.getProperty(PARENT_PROPERTY);
        if (pid == null || pid.isBlank()) {
            return;
        }
        try {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresentOrElse(
                    parent -> parent.onExit().thenRun(() -> System.exit(143)), () -> System.exit(143));
        } catch (NumberFormatException e) {
            // not set by Relaunch: nothing to watch
        }
    }

    /** The child's exit code when a relaunch happened, empty when this JVM should go on. */
    static OptionalInt relaunchIfNeeded(String mainClass, String[] args) {
        if (Boolean.getBoolean("scoresde.noRelaunch") || System.getenv("SCORESDE_NO_RELAUNCH") != null) {
            return OptionalInt.empty();
        }
        boolean moduleMissing = ModuleLayer.boot().findModule(MODULE).isEmpty();
        boolean sparkClosed = java.util.Arrays.stream(args)
                .anyMatch(a -> a.equals("--spark") || a.startsWith("--spark="))
                && !Object.class.getModule().isOpen("java.nio", Relaunch.class.getModule());
        Optional<String> core;
        try {
            core = OpenBlasCore.upgradeForThisProcess();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return OptionalInt.of(2);
        }
        if (!moduleMissing && core.isEmpty() && !sparkClosed) {
            return OptionalInt.empty();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (moduleMissing) {
            cmd.add("--add-modules");
            cmd.add(MODULE);
        }
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        // what Spark needs of the JDK's internals on Java 17 (train --spark; docs/distributed.md)
        cmd.addAll(SPARK_OPENS);
        cmd.add("-Dscoresde.noRelaunch=true");
        cmd.add("-D" + PARENT_PROPERTY + "=" + ProcessHandle.current().pid());
        String original = System.getenv(OpenBlasCore.ENV);
        cmd.add("-D" + ORIGINAL_CORE_PROPERTY + "=" + (original == null ? "" : original));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            core.ifPresent(c -> pb.environment().put(OpenBlasCore.ENV, c));
            Process p = pb.start();
            // stopping this JVM (Ctrl-C, SIGTERM) stops the child; the child also watches this
            // process and exits when it dies, which covers SIGKILL
            Thread stop = new Thread(() -> stopChild(p), "scoresde-stop-child");
            Runtime.getRuntime().addShutdownHook(stop);
            int code = p.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException e) {
                // already shutting down
            }
            return OptionalInt.of(code);
        } catch (IOException e) {
            System.err.println("could not start a JVM with the fast kernels (" + e.getMessage()
                    + "); going on in this one");
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.of(130);
        }
    }
}
