package io.github.scoresde.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The bench's plumbing to the PyTorch reference, with a stand-in "python" (a shell script) so that
 * it runs without torch: discovery, the environment of the tuned configuration, reading the JSON.
 */
class PyTorchReferenceTest {

    /** A stand-in "python" that passes the torch probe ({@code -c ...}) and runs {@code body}. */
    static Path fakePython(Path dir, String body) throws Exception {
        Path py = dir.resolve("fakepython");
        Files.writeString(py, "#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then exit 0; fi\n" + body);
        assertTrue(py.toFile().setExecutable(true));
        return py;
    }

    /** A stand-in reference folder (its marker script only) under {@code dir}. */
    static Path standInReference(Path dir) throws Exception {
        Path ref = Files.createDirectories(dir.resolve("ref"));
        Files.writeString(ref.resolve("scoresde_ref.py"), "# stand-in\n");
        return ref;
    }

    /** The stand-in reference run by a stand-in python that runs {@code body}, logging to {@code log}. */
    private static PyTorchReference located(Path dir, String body, StringWriter log) throws Exception {
        Optional<PyTorchReference> r = PyTorchReference.locate(standInReference(dir), fakePython(dir, body).toString(),
                dir.resolve("results"), 3, new PrintWriter(log, true));
        assertTrue(r.isPresent(), log.toString());
        return r.get();
    }

    @Test
    void runsAWorkloadInTheTunedConfigurationAndReadsItsJson(@TempDir Path dir) throws Exception {
        JsonNode json = located(dir, "echo \"{\\\"workload\\\": \\\"B4\\\", \\\"threads\\\": $BENCH_TORCH_THREADS, "
                + "\\\"blas\\\": $OPENBLAS_NUM_THREADS, \\\"script\\\": \\\"$1\\\"}\" > \"$BENCH_RESULTS/b4.json\"\n",
                new StringWriter()).b4();
        assertEquals("B4", json.get("workload").asText());
        assertEquals(1, json.get("threads").asInt());
        assertEquals(2, json.get("blas").asInt());
        assertEquals("b4_likelihood.py", json.get("script").asText());
        assertTrue(Files.exists(dir.resolve("results").resolve("b4.log")));
    }

    @Test
    void runsTheReferenceWithTheOpenBlasCoreItIsGiven(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        PyTorchReference r = located(dir, "echo \"{\\\"core\\\": \\\"${OPENBLAS_CORETYPE-unset}\\\"}\" > \"$BENCH_RESULTS/b4.json\"\n",
                log);
        assertEquals("HASWELL", r.withOpenblasCore("HASWELL").b4().get("core").asText());
        assertEquals("unset", r.withOpenblasCore("").b4().get("core").asText());
        assertEquals("unset", r.withOpenblasCore(null).b4().get("core").asText());
        assertTrue(log.toString().contains("OPENBLAS_CORETYPE=HASWELL"), log.toString());
    }

    @Test
    void b6RunsTheScriptAsItsMainAndAddsThePeakMemoryOfItsProcess(@TempDir Path dir) throws Exception {
        // the stand-in answers the torch probe (two arguments), then prints what the wrapped script
        // and the wrapper would: the script's JSON line and the memory line
        Path py = dir.resolve("fakepython");
        Files.writeString(py, "#!/bin/sh\nif [ \"$1\" = \"-c\" ] && [ $# -eq 2 ]; then exit 0; fi\n"
                + "echo \"{\\\"steps_per_s\\\": 4.5, \\\"script\\\": \\\"$3\\\", \\\"what\\\": \\\"$4\\\"}\"\n"
                + "echo \"{\\\"max_rss_mb\\\": 321.5}\"\n");
        assertTrue(py.toFile().setExecutable(true));
        StringWriter log = new StringWriter();
        PyTorchReference r = PyTorchReference.locate(standInReference(dir), py.toString(), dir.resolve("results"), 3,
                new PrintWriter(log, true)).orElseThrow();
        JsonNode json = r.b6("train", "50", "64");
        assertEquals(4.5, json.get("steps_per_s").asDouble(), 0);
        assertEquals("b6_unet.py", json.get("script").asText());
        assertEquals("train", json.get("what").asText());
        assertEquals(321.5, json.get("max_rss_mb").asDouble(), 0);
    }

    @Test
    void thePeakResidentMemoryOfThisProcessIsReadOnLinux() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/status")),
                "no /proc/self/status: not Linux");
        double before = PeakMemory.megabytes();
        assertTrue(before > 10 && before < 1e6, "peak " + before + " MB");
        byte[][] held = new byte[64][];
        for (int i = 0; i < held.length; i++) {
            held[i] = new byte[1 << 20];
            java.util.Arrays.fill(held[i], (byte) 1);
        }
        assertTrue(PeakMemory.megabytes() >= before, "the peak never falls");
        assertTrue(held[63][0] == 1);
    }

    @Test
    void runsOnePartOfB2(@TempDir Path dir) throws Exception {
        PyTorchReference r = located(dir,
                "echo \"{\\\"script\\\": \\\"$1\\\", \\\"part\\\": \\\"$2\\\"}\" > \"$BENCH_RESULTS/b2.json\"\n",
                new StringWriter());
        assertEquals("b2_sample.py", r.b2("exact").get("script").asText());
        assertEquals("exact", r.b2("exact").get("part").asText());
        assertEquals("net", r.b2("net").get("part").asText());
        assertEquals("all", r.b2("all").get("part").asText());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.b2("both"));
        assertTrue(e.getMessage().contains("exact, net or all"), e.getMessage());
    }

    @Test
    void aFailingReferenceNamesItsLog(@TempDir Path dir) throws Exception {
        PyTorchReference r = located(dir, "echo boom; exit 3\n", new StringWriter());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::b1);
        assertTrue(e.getMessage().contains("exited with 3") && e.getMessage().contains("b1.log"), e.getMessage());
    }

    @Test
    void absentReferenceOrTorchIsReportedNotFatal(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        assertTrue(PyTorchReference.locate(dir.resolve("nowhere"), null, dir, 3, new PrintWriter(log, true)).isEmpty());
        assertTrue(log.toString().contains("not found"), log.toString());
        Path ref = standInReference(dir);
        StringWriter log2 = new StringWriter();
        assertTrue(PyTorchReference.locate(ref, dir.resolve("no-such-python").toString(), dir, 3,
                new PrintWriter(log2, true)).isEmpty());
        assertTrue(log2.toString().contains("no Python with torch"), log2.toString());
    }
}
