package io.github.scoresde.tools;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The PyTorch implementation of the benchmark workloads (../shared/reference-pytorch, see its
 * README), run by {@code bench} in the same invocation so that every figure stands beside
 * PyTorch's on the same machine. It runs in the reference's faster "tuned" configuration (torch
 * 1 thread, OpenBLAS 2), writes its JSON and logs under a results folder, and is read back with
 * ND4J's shaded Jackson. Nothing here is needed by the library; it is a measuring instrument.
 */
final class PyTorchReference {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String python;
    private final Path results;
    private final int b1Runs;
    private final PrintWriter log;
    private final String openblasCore;

    private PyTorchReference(Path dir, String python, Path results, int b1Runs, PrintWriter log, String openblasCore) {
        this.dir = dir;
        this.python = python;
        this.results = results;
        this.b1Runs = b1Runs;
        this.log = log;
        this.openblasCore = openblasCore;
    }

    /**
     * This reference with {@code OPENBLAS_CORETYPE} set to {@code core} in its environment, or
     * removed from it when {@code core} is {@code null} or empty (OpenBLAS then detects the CPU).
     * By default the reference inherits this JVM's environment.
     */
    PyTorchReference withOpenblasCore(String core) {
        return new PyTorchReference(dir, python, results, b1Runs, log, core == null ? "" : core);
    }

    /** The {@code OPENBLAS_CORETYPE} the reference runs with, empty when unset. */
    Optional<String> openblasCore() {
        return io.github.scoresde.cpu.OpenBlasCore.currentOr(openblasCore);
    }

    /**
     * The reference if it is installed: its folder ({@code dir}, or {@code $SCORESDE_REFERENCE}, or
     * {@code ../shared/reference-pytorch}) holds {@code scoresde_ref.py} and a Python with torch is
     * found ({@code python}, or {@code $PYTHON}, {@code python3}, {@code /usr/bin/python3}).
     * Empty, with the reason logged, otherwise.
     */
    static Optional<PyTorchReference> locate(Path dir, String python, Path results, int b1Runs, PrintWriter log) {
        List<Path> dirs = new ArrayList<>();
        if (dir != null) {
            dirs.add(dir);
        } else {
            String env = System.getenv("SCORESDE_REFERENCE");
            if (env != null && !env.isBlank()) {
                dirs.add(Path.of(env));
            }
            dirs.add(Path.of("..", "shared", "reference-pytorch"));
        }
        Path found = dirs.stream().filter(d -> Files.isRegularFile(d.resolve("scoresde_ref.py"))).findFirst()
                .orElse(null);
        if (found == null) {
            log.println("PyTorch reference not found (looked in " + dirs + "); figures without ratios");
            return Optional.empty();
        }
        List<String> pythons = new ArrayList<>();
        if (python != null) {
            pythons.add(python);
        } else {
            String env = System.getenv("PYTHON");
            if (env != null && !env.isBlank()) {
                pythons.add(env);
            }
            pythons.add("python3");
            pythons.add("/usr/bin/python3");
        }
        for (String p : pythons) {
            if (hasTorch(p)) {
                log.println("PyTorch reference: " + found.toAbsolutePath().normalize() + " with " + p
                        + " (tuned: torch 1 thread, OpenBLAS 2)");
                return Optional.of(new PyTorchReference(found.toAbsolutePath().normalize(), p,
                        results.toAbsolutePath(), b1Runs, log, null));
            }
        }
        log.println("no Python with torch among " + pythons + " (apt-get install python3-torch python3-numpy "
                + "python3-scipy); figures without ratios");
        return Optional.empty();
    }

    /** The reference's folder. */
    Path dir() {
        return dir;
    }

    /** The Python that runs it. */
    String python() {
        return python;
    }

    private static boolean hasTorch(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch, numpy, scipy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** B1 (also saves the model B2 samples from): the JSON of {@code b1_train.py}. */
    JsonNode b1() {
        return run("b1", "b1_train.py");
    }

    /**
     * One part of B2: {@code exact} (the exact score), {@code net} (the toy MLP, after {@link #b1}
     * has saved its model) or {@code all}; the JSON of {@code b2_sample.py part}, which keeps the
     * other part's figures from its last run.
     */
    JsonNode b2(String part) {
        if (!List.of("exact", "net", "all").contains(part)) {
            throw new IllegalArgumentException("B2 part must be exact, net or all, not '" + part + "'");
        }
        return run("b2", "b2_sample.py", part);
    }

    /** B4, eight-gaussians and gmm-64: the JSON of {@code b4_likelihood.py}. */
    JsonNode b4() {
        return run("b4", "b4_likelihood.py");
    }

    /**
     * Runs a script as its own {@code __main__} and then prints, as one more JSON line, the peak
     * resident memory of the process in MB: Linux's VmHWM of its own address space (getrusage's
     * ru_maxrss would not do: it keeps the peak of the JVM that spawned the process).
     */
    private static final String MEASURED = "import json, runpy, sys; sys.argv = sys.argv[1:]; "
            + "runpy.run_path(sys.argv[0], run_name='__main__'); "
            + "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]; "
            + "print(json.dumps({'max_rss_mb': int(hwm[0].split()[1]) / 1024 if hwm else None}))";

    /**
     * B6/B7: the JSON of {@code b6_unet.py what args...} (train, forward or vjp), with the
     * process's peak resident memory in MB as {@code max_rss_mb}.
     */
    JsonNode b6(String what, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "-c";
        all[1] = MEASURED;
        all[2] = "b6_unet.py";
        all[3] = what;
        System.arraycopy(args, 0, all, 4, args.length);
        return run("b6-" + what, null, all);
    }

    /** Runs {@code python script args...} (or {@code python args...} when script is null) in the reference's folder. */
    private JsonNode run(String name, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(python));
        if (script != null) {
            cmd.add(script);
        }
        String label = script != null ? script : name;
        cmd.addAll(List.of(args));
        Path logFile = results.resolve(name + ".log");
        try {
            Files.createDirectories(results);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            Map<String, String> env = pb.environment();
            env.put("OMP_NUM_THREADS", "2");
            env.put("OPENBLAS_NUM_THREADS", "2");
            env.put("BENCH_TORCH_THREADS", "1");
            env.put("BENCH_TAG", "");
            env.put("BENCH_RESULTS", results.toString());
            env.put("B1_RUNS", Integer.toString(b1Runs));
            Optional<String> core = openblasCore();
            if (core.isPresent()) {
                env.put(io.github.scoresde.cpu.OpenBlasCore.ENV, core.get());
            } else {
                env.remove(io.github.scoresde.cpu.OpenBlasCore.ENV);
            }
            log.println("running the PyTorch reference: " + String.join(" ", cmd) + " with OPENBLAS_CORETYPE="
                    + core.orElse("(unset)") + " (log " + logFile + ")");
            log.flush();
            long t0 = System.nanoTime();
            Process p = pb.start();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("PyTorch reference " + label + " exited with " + rc + "; see "
                        + logFile);
            }
            log.printf("  done in %.0f s%n", (System.nanoTime() - t0) / 1e9);
            File json = results.resolve(name + ".json").toFile();
            if (!json.exists()) {
                // scripts that print JSON lines (b6_unet.py and the memory line) rather than write
                // a file: their fields, merged
                org.nd4j.shade.jackson.databind.node.ObjectNode merged = JSON.createObjectNode();
                for (String line : Files.readAllLines(logFile)) {
                    if (line.startsWith("{")) {
                        JsonNode node = JSON.readTree(line);
                        if (node.isObject()) {
                            merged.setAll((org.nd4j.shade.jackson.databind.node.ObjectNode) node);
                        }
                    }
                }
                if (merged.size() > 0) {
                    return merged;
                }
            }
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("PyTorch reference " + label + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + label, e);
        }
    }
}
