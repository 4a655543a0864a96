package io.github.scoresde.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which kernels ND4J's bundled OpenBLAS (0.3.19, built for every x86-64 core with
 * {@code DYNAMIC_ARCH}) runs its matrix products with. OpenBLAS picks them once, when the library
 * is loaded, from the environment variable {@code OPENBLAS_CORETYPE} or else from its own CPU
 * detection. On CPUs newer than the library (the project's machine is an AMD EPYC of CPU family 26,
 * with AVX-512) the detection falls back to generic kernels, and environments that work around
 * that commonly set {@code OPENBLAS_CORETYPE=Haswell}, AVX2 only; the AVX-512 kernels
 * ({@code SKYLAKEX}) run the toy MLP's products about twice as fast as Haswell's there
 * ({@code docs/performance.md}).
 *
 * <p>An environment variable cannot be changed inside a running JVM, so the choice is made by
 * whoever starts it: the command-line tool starts itself again with {@link #ENV} set to what
 * {@link #upgrade(String, Set, String)} asks for (see the examples module), and applications start
 * their JVM with it. {@link #logAdvice()} tells at start-up when
 * this JVM runs weaker kernels than the CPU allows.
 *
 * <p>The user's policy, from {@code -Dscoresde.openblasCore} or else
 * {@code $SCORESDE_OPENBLAS_CORETYPE}: {@code auto} (the default: AVX-512 kernels when the CPU has
 * the AVX-512 subsets they use and {@code OPENBLAS_CORETYPE} names no AVX-512 core), {@code keep}
 * (never change {@code OPENBLAS_CORETYPE}), or a core name to use as is.
 */
public final class OpenBlasCore {
    private static final Logger LOG = LoggerFactory.getLogger(OpenBlasCore.class);

    /** The environment variable OpenBLAS reads when it is loaded. */
    public static final String ENV = "OPENBLAS_CORETYPE";
    /** The system property with the user's policy (see the class comment). */
    public static final String POLICY_PROPERTY = "scoresde.openblasCore";
    /** The environment variable with the user's policy, when the system property is not set. */
    public static final String POLICY_ENV = "SCORESDE_OPENBLAS_CORETYPE";
    /** OpenBLAS's AVX-512 core, chosen on CPUs that have the subsets its kernels use. */
    public static final String AVX512_CORE = "SKYLAKEX";

    /** The CPU flags ({@code /proc/cpuinfo} names) that OpenBLAS's SKYLAKEX kernels need. */
    static final Set<String> AVX512_FLAGS = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    /** Core names of OpenBLAS 0.3.19 whose kernels already use AVX-512. */
    private static final Set<String> AVX512_CORES = Set.of("SKYLAKEX", "COOPERLAKE", "SAPPHIRERAPIDS");

    private static volatile boolean advised;

    private OpenBlasCore() {
    }

    /**
     * The core type to ask for, given the current value of {@link #ENV} ({@code null} when unset),
     * the CPU's flags and the user's policy ({@code null} or blank for {@code auto}); empty when
     * {@link #ENV} should stay as it is. Pure: the decision the command-line tool takes, testable
     * on any machine.
     *
     * @throws IllegalArgumentException for a policy that is not {@code auto}, {@code keep} or a
     *     core name (letters and digits)
     */
    public static Optional<String> upgrade(String current, Set<String> cpuFlags, String policy) {
        String p = policy == null || policy.isBlank() ? "auto" : policy.trim();
        if (p.equalsIgnoreCase("keep")) {
            return Optional.empty();
        }
        if (!p.equalsIgnoreCase("auto")) {
            if (!isCoreName(p)) {
                throw new IllegalArgumentException(POLICY_PROPERTY + " / " + POLICY_ENV
                        + " must be auto, keep or an OpenBLAS core name such as SKYLAKEX or HASWELL, not '" + policy + "'");
            }
            return p.equalsIgnoreCase(current) ? Optional.empty() : Optional.of(p.toUpperCase(Locale.ROOT));
        }
        if (cpuFlags == null || !cpuFlags.containsAll(AVX512_FLAGS)) {
            return Optional.empty();
        }
        if (current != null && AVX512_CORES.contains(current.trim().toUpperCase(Locale.ROOT))) {
            return Optional.empty();
        }
        return Optional.of(AVX512_CORE);
    }

    /** {@link #upgrade(String, Set, String)} for this process: its environment, CPU and policy. */
    public static Optional<String> upgradeForThisProcess() {
        return upgrade(System.getenv(ENV), cpuFlags(), policy());
    }

    /** The user's policy: {@link #POLICY_PROPERTY}, else {@link #POLICY_ENV}, else {@code null} (auto). */
    public static String policy() {
        String p = System.getProperty(POLICY_PROPERTY);
        return p != null ? p : System.getenv(POLICY_ENV);
    }

    /** This process's {@link #ENV}, empty when it is unset or empty. */
    public static Optional<String> current() {
        return currentOr(null);
    }

    /**
     * A core type given by other means than this process's environment (another process's value),
     * or this process's {@link #ENV} when none is given: empty when the value is the empty string
     * (unset there).
     *
     * @param given the value, "" for unset, or null to read this process's environment
     */
    public static Optional<String> currentOr(String given) {
        String v = given != null ? given : System.getenv(ENV);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** Whether {@code name} has the form of an OpenBLAS core name (letters and digits). */
    public static boolean isCoreName(String name) {
        return name != null && name.matches("[A-Za-z0-9]+");
    }

    /**
     * The CPU's feature flags from the first {@code flags} line of {@code /proc/cpuinfo}; empty
     * where that file does not exist or cannot be read (not Linux, a sandbox).
     */
    public static Set<String> cpuFlags() {
        return cpuFlags(Path.of("/proc/cpuinfo"));
    }

    /** The feature flags of the first {@code flags} line of a cpuinfo file; empty if none. */
    static Set<String> cpuFlags(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .map(s -> (Set<String>) new HashSet<>(Arrays.asList(s.split("\\s+"))))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /**
     * Logs once, at INFO, when this JVM's OpenBLAS runs weaker kernels than the CPU allows under
     * the user's policy: what {@link #ENV} is, what to set before the JVM starts, and how to keep
     * it. Cheap (reads {@code /proc/cpuinfo} once); called by {@link NdThreads#applyDefault()}.
     */
    public static void logAdvice() {
        if (advised) {
            return;
        }
        advised = true;
        try {
            upgradeForThisProcess().ifPresent(core -> LOG.info(
                    "OpenBLAS runs with {}={} on a CPU whose AVX-512 kernels are faster; start the JVM with {}={} "
                            + "(matrix products about 2x faster on the project's machine, docs/performance.md), or set {}=keep "
                            + "to silence this", ENV, current().orElse("unset"), ENV, core, POLICY_ENV));
        } catch (IllegalArgumentException e) {
            LOG.warn(e.getMessage());
        }
    }
}
