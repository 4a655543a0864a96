package io.github.scoresde.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench against a stand-in reference: rows, ratios, rounds, and bad arguments. */
class BenchCommandTest {

    private static final String[] B4_DATASETS = {"eight-gaussians", "gmm-64"};

    /**
     * The reference's B4 JSON for both datasets, every method's median time the text
     * {@code medianPrefix + j} (j = 0 exact, 1 hutchinson, 2 analytic).
     */
    private static String b4Json(String medianPrefix) {
        StringBuilder json = new StringBuilder("{\"workload\": \"B4\", \"datasets\": {");
        for (int i = 0; i < B4_DATASETS.length; i++) {
            json.append(i > 0 ? ", " : "").append('"').append(B4_DATASETS[i]).append("\": {\"methods\": {");
            String[] methods = {"exact", "hutchinson", "analytic"};
            for (int j = 0; j < 3; j++) {
                json.append(j > 0 ? ", " : "").append('"').append(methods[j]).append("\": {\"timing\": {\"median_s\": ")
                        .append(medianPrefix).append(j).append("}, \"abs_err_vs_p0\": 0.5, \"nfe\": 116}");
            }
            json.append("}}");
        }
        return json.append("}}").toString();
    }

    /** A stand-in script body that counts its runs in {@code count} ($n: this run's number), then runs {@code then}. */
    private static String counting(Path count, String then) {
        return "n=$(cat \"" + count + "\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \"" + count + "\"; " + then;
    }

    /**
     * {@code bench args...} against a stand-in reference run by the stand-in python {@code py}, its
     * results under {@code dir} and its JSON at {@code dir/bench.json}; asserts that it succeeds and
     * returns that JSON.
     */
    private static org.nd4j.shade.jackson.databind.JsonNode bench(Path dir, Path py, java.io.StringWriter text,
            String... args) throws Exception {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("bench"));
        all.addAll(java.util.List.of(args));
        Path out = dir.resolve("bench.json");
        all.addAll(java.util.List.of("--reference", PyTorchReferenceTest.standInReference(dir).toString(), "--python",
                py.toString(), "--reference-results", dir.resolve("results").toString(), "--out", out.toString()));
        int rc = Main.execute(new Main(), new java.io.PrintWriter(text), new java.io.PrintWriter(new java.io.StringWriter()),
                all.toArray(new String[0]));
        assertEquals(0, rc, text.toString());
        return new org.nd4j.shade.jackson.databind.ObjectMapper().readTree(out.toFile());
    }

    /**
     * B4 against a stand-in reference (a shell script writing the reference's JSON): every
     * likelihood row with its ratio, and the exact divergence also against the reference's closed
     * form ("analytic"), the like-for-like comparison for the exact mixture divergence.
     */
    @Test
    void benchComparesTheExactDivergenceWithTheReferencesClosedFormToo(@TempDir Path dir) throws Exception {
        // median times 10, 11, 12 s
        Files.writeString(dir.resolve("b4.json"), b4Json("1"));
        Path py = PyTorchReferenceTest.fakePython(dir, "cp \"" + dir.resolve("b4.json") + "\" \"$BENCH_RESULTS/b4.json\"\n");
        java.io.StringWriter text = new java.io.StringWriter();
        org.nd4j.shade.jackson.databind.JsonNode root = bench(dir, py, text, "--only", "b4", "--repeats", "1",
                "--warmup-seconds", "0");
        org.nd4j.shade.jackson.databind.JsonNode figures = root.get("figures");
        for (String name : B4_DATASETS) {
            double ours = figures.get("b4." + name + ".exact.seconds").asDouble();
            assertEquals(10 / ours, figures.get("speedup.b4." + name + ".exact").asDouble(), 1e-9 * (10 / ours));
            assertEquals(12 / ours, figures.get("speedup.b4." + name + ".exact_vs_closed_form").asDouble(),
                    1e-9 * (12 / ours));
            double hutchinson = figures.get("b4." + name + ".hutchinson.seconds").asDouble();
            assertEquals(11 / hutchinson, figures.get("speedup.b4." + name + ".hutchinson").asDouble(),
                    1e-9 * (11 / hutchinson));
        }
        assertTrue(text.toString().contains("gmm-64, exact divergence vs PyTorch's closed form"), text.toString());
        // --repeats, given, holds for every workload (else each takes the reference's count)
        assertEquals(1, root.get("repeats").asInt());
        assertEquals(1, root.get("repeats_b2_exact").asInt());
    }

    /**
     * {@code --rounds 3}: B4 and the reference alternate three times (the stand-in counts its runs
     * and answers round n with 10 n + j seconds), and each speed-up is the median of the rounds'
     * own speed-ups, with every round's figures in the JSON.
     */
    @Test
    void benchAlternatesRoundsAndReportsTheMedianSpeedUp(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b4.template"), b4Json("ROUND"));
        Path count = dir.resolve("count");
        Path py = PyTorchReferenceTest.fakePython(dir, counting(count, "sed \"s/ROUND/$n/g\" \""
                + dir.resolve("b4.template") + "\" > \"$BENCH_RESULTS/b4.json\"\n"));
        java.io.StringWriter text = new java.io.StringWriter();
        org.nd4j.shade.jackson.databind.JsonNode root = bench(dir, py, text, "--only", "b4", "--rounds", "3",
                "--repeats", "1", "--warmup-seconds", "0");
        assertEquals("3", Files.readString(count).trim());
        assertEquals(3, root.get("rounds").asInt());
        org.nd4j.shade.jackson.databind.JsonNode figures = root.get("figures");
        String[] keys = {"exact", "hutchinson", "exact_vs_closed_form"};
        for (String name : B4_DATASETS) {
            // key j answers with the reference's method j: exact, hutchinson, analytic
            for (int j = 0; j < keys.length; j++) {
                String key = "b4." + name + "." + keys[j];
                String ours = "b4." + name + "." + (keys[j].equals("hutchinson") ? "hutchinson" : "exact");
                double[] ratios = new double[3];
                double[] seconds = new double[3];
                for (int n = 1; n <= 3; n++) {
                    seconds[n - 1] = figures.get(ours + ".seconds.round" + n).asDouble();
                    ratios[n - 1] = (10.0 * n + j) / seconds[n - 1];
                    assertEquals(ratios[n - 1], figures.get("speedup." + key + ".round" + n).asDouble(),
                            1e-9 * ratios[n - 1], key + " round " + n);
                }
                java.util.Arrays.sort(ratios);
                assertEquals(ratios[1], figures.get("speedup." + key).asDouble(), 1e-9 * ratios[1], key);
                assertEquals(20 + j, figures.get("reference." + key).asDouble(), 1e-12, key);
                java.util.Arrays.sort(seconds);
                assertEquals(seconds[1], figures.get(ours + ".seconds").asDouble(), 1e-12, key);
            }
        }
        assertTrue(text.toString().contains("3 rounds, speed-ups"), text.toString());
        CliAssert.assertError(1, "--rounds must be positive", "bench", "--only", "b4", "--rounds",
                "0", "--no-reference", "--out", dir.resolve("b.json").toString());
    }

    /** B1 with {@code --rounds 2}: each round's median rate against that round's reference rate. */
    @Test
    void benchAlternatesB1WithTheReference(@TempDir Path dir) throws Exception {
        Path count = dir.resolve("count");
        Path py = PyTorchReferenceTest.fakePython(dir, counting(count,
                "echo \"{\\\"steps_per_s_median\\\": ${n}00}\" > \"$BENCH_RESULTS/b1.json\"\n"));
        org.nd4j.shade.jackson.databind.JsonNode figures = bench(dir, py, new java.io.StringWriter(), "--only", "b1",
                "--rounds", "2", "--b1-runs", "1", "--b1-warmup-seconds", "0").get("figures");
        assertEquals("2", Files.readString(count).trim());
        double r1 = figures.get("b1.steps_per_second.round1").asDouble() / 100;
        double r2 = figures.get("b1.steps_per_second.round2").asDouble() / 200;
        assertEquals(r1, figures.get("speedup.b1.steps_per_second.round1").asDouble(), 1e-9 * r1);
        assertEquals(r2, figures.get("speedup.b1.steps_per_second.round2").asDouble(), 1e-9 * r2);
        assertEquals((r1 + r2) / 2, figures.get("speedup.b1.steps_per_second").asDouble(), 1e-9 * r1);
        assertEquals(150, figures.get("reference.b1.steps_per_second").asDouble(), 1e-9);
    }

    @Test
    void benchRejectsUnknownWorkloads(@TempDir Path dir) {
        CliAssert.assertError(1, "Unknown workload \"b9\"", "bench", "--only", "b9", "--out",
                dir.resolve("b.json").toString());
        CliAssert.assertError(1, "--repeats must be positive", "bench", "--only", "b4", "--repeats",
                "0", "--no-reference", "--out", dir.resolve("b.json").toString());
    }
}
