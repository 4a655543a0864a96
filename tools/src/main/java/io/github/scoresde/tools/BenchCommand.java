package io.github.scoresde.tools;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.examples.Workloads;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.likelihood.DivergenceEstimator;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyDatasets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: runs the canonical workloads B1-B7 of BENCHMARKS.md and prints one table of
 * figures (medians over repeats after a warm-up; NFE; quality figures beside their floors), also
 * written as JSON. It prints; it never fails on a time.
 *
 * <p>When the PyTorch reference (../shared/reference-pytorch) and a Python with torch are installed,
 * B1, B2 and B4 each run it right after this library's run of the same workload, in its "tuned"
 * configuration, and the table shows its figure and the speed-up beside ours
 * ({@link PyTorchReference}); {@code --no-reference} skips it. With {@code --rounds N} B1, B2 with
 * the exact score and B4 alternate with the reference's runs N times, and each speed-up is the
 * median of the rounds' (each taken within its round).
 *
 * <p>Runtime on 2 cores: B1 + B2 + B4 (the default) about 5-10 minutes, as long again with the
 * reference; B3 (10,000 samples, every sampler, three SDEs, two mixtures) and B5 (10,000 training
 * steps) add 10-20 minutes each.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmark workloads B1-B7 and print a table of figures (also written as JSON).")
public final class BenchCommand implements Callable<Integer> {
    private final BenchReport report = new BenchReport();
    private PyTorchReference reference;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--only", split = ",", defaultValue = "b1,b2,b4",
            description = "workloads to run, of b1,b2,b3,b4,b5,b6,b7 (default ${DEFAULT-VALUE})")
    List<String> only;

    @Option(names = "--repeats", description = "timed repeats after the warm-up, for every workload (default: the "
            + "reference's, 5 for B2 with the exact score, 3 otherwise)")
    Integer repeats;

    /** The reference's timed runs of B2 with the exact score (sampler-bound, short runs); 3 elsewhere. */
    static final int EXACT_B2_REPEATS = 5;
    /** The reference's timed runs of the other workloads. */
    static final int DEFAULT_REPEATS = 3;

    @Option(names = "--rounds", defaultValue = "1",
            description = "alternate this library's runs of B1, B2 with the exact score and B4 with the reference's this "
                    + "many times, and report the median of the rounds' speed-ups (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--b1-runs", defaultValue = "5",
            description = "independent B1 training runs in this JVM, reported as their median, as the reference "
                    + "does (default ${DEFAULT-VALUE})")
    int b1Runs;


    @Option(names = "--warmup-seconds", defaultValue = "3",
            description = "warm up each workload for at least one run and at least this long, and on (up to four "
                    + "times as long) while its last run is more than 25%% slower than its fastest or the JIT compiled "
                    + "for more than 2%% of it, so the JIT has compiled the kernels of short ones (default ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Option(names = "--b1-warmup-seconds", defaultValue = "10",
            description = "warm up B1 with whole training runs for at least this long before its timed runs, and on "
                    + "(up to four times as long) while the JIT is still compiling: it keeps speeding the training step "
                    + "up for about 10 s (default ${DEFAULT-VALUE})")
    double b1WarmupSeconds;

    @Option(names = "--out", defaultValue = "target/bench.json", description = "JSON file to write (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--reference", paramLabel = "DIR",
            description = "folder of the PyTorch reference (default: $SCORESDE_REFERENCE or ../shared/reference-pytorch)")
    Path referenceDir;

    @Option(names = "--no-reference", description = "do not run the PyTorch reference even when it is installed")
    boolean noReference;

    @Option(names = "--python", description = "Python with torch for the reference (default: $PYTHON, python3, /usr/bin/python3)")
    String python;

    @Option(names = "--reference-b1-runs", defaultValue = "5",
            description = "independent runs of the reference's B1 (median; default ${DEFAULT-VALUE})")
    int referenceB1Runs;

    @Option(names = "--reference-results", defaultValue = "target/reference-results",
            description = "folder for the reference's JSON and logs (default ${DEFAULT-VALUE})")
    Path referenceResults;

    @Option(names = "--reference-openblas-core", paramLabel = "CORE",
            description = "OPENBLAS_CORETYPE for the reference: a core name, or 'unset' (default: the value the CLI was "
                    + "started with, before it chose this library's own kernels)")
    String referenceOpenblasCore;

    /**
     * Median seconds of {@code --repeats} runs (else {@code defaultRepeats}, the reference's count
     * for the workload) after the warm-up; returns the first timed result.
     */
    private <T> T timed(String key, Supplier<T> run, double[] seconds, int defaultRepeats) {
        // short workloads until the JIT has compiled their kernels
        BenchTiming.warmUp(run, warmupSeconds, BenchTiming.WARMUP_LIMIT * warmupSeconds);
        double[] s = new double[Math.max(1, repeats != null ? repeats : defaultRepeats)];
        T first = null;
        for (int i = 0; i < s.length; i++) {
            long t0 = System.nanoTime();
            T r = run.get();
            s[i] = (System.nanoTime() - t0) / 1e9;
            if (first == null) {
                first = r;
            }
        }
        Arrays.sort(s);
        seconds[0] = s[s.length / 2];
        // with --rounds, the figure is the median of the rounds' medians so far
        List<Double> all = report.roundSeconds(key);
        all.add(seconds[0]);
        report.figure(key + ".seconds", BenchReport.median(all.stream().mapToDouble(Double::doubleValue).toArray()));
        if (rounds > 1) {
            report.figure(key + ".seconds.round" + all.size(), seconds[0]);
        }
        return first;
    }

    @Override
    public Integer call() {
        for (String w : only) {
            if (!List.of("b1", "b2", "b3", "b4", "b5", "b6", "b7").contains(w)) {
                throw new IllegalArgumentException("Unknown workload \"" + w
                        + "\"; expected some of [b1, b2, b3, b4, b5, b6, b7]");
            }
        }
        if (repeats != null) {
            io.github.scoresde.core.Checks.positive("--repeats", repeats);
        }
        io.github.scoresde.core.Checks.positive("--rounds", rounds);
        io.github.scoresde.core.Checks.nonNegative("--warmup-seconds", warmupSeconds);
        io.github.scoresde.core.Checks.nonNegative("--b1-warmup-seconds", b1WarmupSeconds);
        io.github.scoresde.core.Checks.positive("--b1-runs", b1Runs);
        io.github.scoresde.core.Checks.positive("--reference-b1-runs", referenceB1Runs);
        java.io.PrintWriter log = spec.commandLine().getErr();
        if (!noReference && (only.contains("b1") || only.contains("b2") || only.contains("b4") || only.contains("b6")
                || only.contains("b7"))) {
            String refCore = referenceOpenblasCore == null ? Relaunch.originalCoreType().orElse("")
                    : referenceOpenblasCore.equalsIgnoreCase("unset") ? "" : referenceOpenblasCore;
            if (!refCore.isEmpty() && !io.github.scoresde.cpu.OpenBlasCore.isCoreName(refCore)) {
                throw new IllegalArgumentException("--reference-openblas-core must be an OpenBLAS core name or 'unset', not '"
                        + referenceOpenblasCore + "'");
            }
            reference = PyTorchReference.locate(referenceDir, python, referenceResults, referenceB1Runs, log)
                    .map(r -> r.withOpenblasCore(refCore)).orElse(null);
        }
        // the workloads that need no trained model run first, in a JVM that has not trained yet: the
        // reference runs each workload in a process of its own, and after training in the same JVM
        // JIT profiles shaped by training can slow other code down
        // each short workload alternates with the reference's run of it, --rounds times
        List<Map<String, double[]>> b2ExactOurs = new ArrayList<>();
        List<org.nd4j.shade.jackson.databind.JsonNode> b2ExactRefs = new ArrayList<>();
        Sde b2Sde = new VpSde();
        for (int round = 0; only.contains("b2") && round < rounds; round++) {
            Map<String, double[]> ours = new LinkedHashMap<>();
            b2Row("exact", b2Sde, new ExactMixtureScore(GaussianMixture.eightGaussians(), b2Sde), ours);
            b2ExactOurs.add(ours);
            b2ExactRefs.add(reference == null ? null : reference.b2("exact"));
        }
        List<List<Object[]>> b4Ours = new ArrayList<>();
        List<org.nd4j.shade.jackson.databind.JsonNode> b4Refs = new ArrayList<>();
        for (int round = 0; only.contains("b4") && round < rounds; round++) {
            b4Ours.add(b4Measure());
            b4Refs.add(reference == null ? null : reference.b4());
        }
        TrainedModel trained = null;
        if (only.contains("b1") || only.contains("b2")) {
            trained = b1();
        }
        if (only.contains("b2")) {
            b2Report(b2ExactOurs, b2ExactRefs);
            Map<String, double[]> net = new LinkedHashMap<>();
            b2Row("toy MLP", b2Sde, trained.score(), net);
            b2Report(List.of(net), java.util.Collections.singletonList(reference == null ? null : reference.b2("net")));
        }
        if (only.contains("b3")) {
            b3();
        }
        if (only.contains("b4")) {
            b4Report(b4Ours, b4Refs);
        }
        if (only.contains("b5")) {
            b5();
        }
        if (only.contains("b6")) {
            new ImageBench(report, reference).b6();
        }
        if (only.contains("b7")) {
            new ImageBench(report, reference).b7();
        }
        spec.commandLine().getOut().print(report.table());
        spec.commandLine().getOut().println("OpenBLAS kernels (OPENBLAS_CORETYPE): this library " + ourCore()
                + (reference == null ? "" : ", the reference " + reference.openblasCore().orElse("unset")));
        writeJson();
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }

    /**
     * B1 by the reference's protocol: {@code --b1-runs} independent runs (a fresh model, seed 0,
     * each), steps/s over steps 50..550 of each, the median; the first timed run's model serves
     * B2. Like every workload, after a warm-up of whole runs (at least one, and at least
     * {@code --b1-warmup-seconds}), so the JIT has compiled the training step; the first (cold)
     * run's rate is reported beside the median. With {@code --rounds N} the runs and the
     * reference's alternate N times (one untimed run first in each later round) and the speed-up
     * is the median of the rounds'.
     */
    private TrainedModel b1() {
        double cold = BenchTiming.warmUp(BenchCommand::b1Run, b1WarmupSeconds, BenchTiming.WARMUP_LIMIT * b1WarmupSeconds).rate();
        double[] ours = new double[rounds];
        double[] refs = new double[rounds];
        double[] all = new double[rounds * b1Runs];
        TrainedModel first = null;
        for (int round = 0; round < rounds; round++) {
            if (round > 0) {
                // the reference's run took the cores for half a minute: one run to settle again
                b1Run();
            }
            double[] rates = new double[b1Runs];
            for (int run = 0; run < b1Runs; run++) {
                B1Run r = b1Run();
                rates[run] = r.rate();
                all[round * b1Runs + run] = r.rate();
                if (first == null) {
                    first = r.model();
                }
            }
            ours[round] = BenchReport.median(rates);
            if (rounds > 1) {
                report.figure("b1.steps_per_second.round" + (round + 1), ours[round]);
            }
            refs[round] = reference == null ? Double.NaN : BenchReport.at(reference.b1(), "steps_per_s_median");
        }
        report.figure("b1.steps_per_second_cold", cold);
        Arrays.sort(all);
        double perSecond = BenchReport.median(ours);
        report.figure("b1.steps_per_second", perSecond);
        report.figure("b1.steps_per_second_min", all[0]);
        report.figure("b1.steps_per_second_max", all[all.length - 1]);
        report.compared("B1", "training steps/s (toy MLP, checkerboard, VP, batch 512)", "b1.steps_per_second", ours, refs,
                true, 1, String.format(Locale.ROOT, "500 steps after 50, median of %d runs (%.1f-%.1f; "
                        + "first cold run %.1f)", b1Runs, all[0], all[all.length - 1], cold));
        return first;
    }

    /** One B1 training run: steps/s over its steps 50..550, and the trained model. */
    private record B1Run(double rate, TrainedModel model) {
    }

    private static B1Run b1Run() {
        long[] marks = new long[2];
        BaseTrainingListener clock = new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (iteration + 1 == 50) {
                    marks[0] = System.nanoTime();
                } else if (iteration + 1 == 550) {
                    marks[1] = System.nanoTime();
                }
            }
        };
        Trainer.Result r = new Trainer(Trainer.Settings.builder().steps(550).listeners(List.of(clock)).build())
                .train(MlpScoreNetwork.create(MlpConfig.toyMlp(2)), new VpSde(), ToyDatasets.checkerboard(),
                        DataScaler.identity(2));
        return new B1Run(500 / ((marks[1] - marks[0]) / 1e9), r.model());
    }

    /**
     * B2's rows beside the reference's: EM, PC, PF-ODE on 4096 samples with the exact eight-gaussians
     * score and with the B1 model, as measured by {@link #b2Row}: one map of our figures and the
     * reference's JSON (null without it) per round.
     */
    private void b2Report(List<Map<String, double[]>> perRound, List<org.nd4j.shade.jackson.databind.JsonNode> refs) {
        for (String figure : perRound.get(0).keySet()) {
            String[] part = figure.split("/");
            String refPart = part[0].equals("exact") ? "exact" : "net";
            double[] ours = new double[perRound.size()];
            double[] refSeconds = new double[perRound.size()];
            for (int i = 0; i < ours.length; i++) {
                ours[i] = perRound.get(i).get(figure)[0];
                refSeconds[i] = refs.get(i) == null ? Double.NaN
                        : BenchReport.at(refs.get(i), refPart, "samplers", part[1], "timing", "median_s");
            }
            double refNfe = refs.get(0) == null ? Double.NaN : BenchReport.at(refs.get(0), refPart, "samplers", part[1], "nfe");
            String key = "b2." + part[0].replace(' ', '_') + "." + part[1];
            report.compared("B2", String.format("%s score, %s: seconds per 4096 samples", part[0], part[1]), key,
                    ours, refSeconds, false, 3, "NFE " + (long) perRound.get(0).get(figure)[1]
                            + (Double.isNaN(refNfe) ? "" : " (PyTorch " + (long) refNfe + ")"));
        }
    }

    private void b2Row(String label, Sde sde, ScoreFunction score, Map<String, double[]> ours) {
        Map<String, Sampler> samplers = new LinkedHashMap<>();
        samplers.put("em", PredictorCorrectorSampler.eulerMaruyama(1000));
        samplers.put("pc", PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16));
        samplers.put("ode", ProbabilityFlowSampler.create());
        for (Map.Entry<String, Sampler> e : samplers.entrySet()) {
            double[] sec = new double[1];
            String key = "b2." + label.replace(' ', '_') + "." + e.getKey();
            SamplingResult r = timed(key, () -> e.getValue().sample(sde, score, 4096, 7), sec,
                    score instanceof ExactMixtureScore ? EXACT_B2_REPEATS : DEFAULT_REPEATS);
            report.figure(key + ".nfe", r.scoreEvaluations());
            ours.put(label + "/" + e.getKey(), new double[] {sec[0], r.scoreEvaluations()});
        }
    }

    /** B3: every sampler against exact draws, 10,000 samples. */
    private void b3() {
        Workloads.QualityGrid grid = Workloads.samplerQuality(10_000);
        grid.floors().forEach((name, floor) -> report.row("B3", name + ": floor sliced W1 / mode error",
                BenchReport.fmt(floor.slicedWassersteinMean(), 4), "mode error " + BenchReport.fmt(floor.modeWeightErrorMean(), 4)));
        for (Workloads.QualityRow r : grid.rows()) {
            String key = "b3." + r.data() + "." + r.sde() + "." + r.sampler();
            report.figure(key + ".sliced_w1", r.figures().slicedWasserstein());
            report.figure(key + ".mode_error", r.figures().modeWeightError());
            report.row("B3", r.data() + ", " + r.sde() + ", " + r.sampler() + ": sliced W1",
                    BenchReport.fmt(r.figures().slicedWasserstein(), 4), "mode error " + BenchReport.fmt(r.figures().modeWeightError(), 4)
                            + ", NFE " + r.nfe() + ", " + BenchReport.fmt(r.seconds(), 1) + " s");
        }
    }

    /**
     * B4: NLL of 2,000 exact draws (VP), exact divergence and Hutchinson, against the exact NLL.
     *
     * @return per dataset and divergence: name, divergence, seconds, abs NLL error, evaluations
     */
    private List<Object[]> b4Measure() {
        List<Object[]> ours = new ArrayList<>();
        for (GaussianMixture mix : new GaussianMixture[] {GaussianMixture.eightGaussians(), GaussianMixture.gmm64()}) {
            String name = mix.dimension() == 2 ? "eight-gaussians" : "gmm-64";
            Sde sde = new VpSde();
            INDArray x = mix.sample(2000, RandomSource.of(21));
            double exact = 0;
            for (double v : mix.logDensity(x)) {
                exact -= v / 2000;
            }
            double truth = exact;
            for (String div : new String[] {"exact", "hutchinson"}) {
                DivergenceEstimator est = div.equals("exact") ? DivergenceEstimator.exact()
                        : DivergenceEstimator.hutchinson();
                double[] sec = new double[1];
                String key = "b4." + name + "." + div;
                Likelihood.Result r = timed(key, () -> Likelihood.builder().divergence(est).build()
                        .logLikelihood(sde, new ExactMixtureScore(mix, sde), x, RandomSource.of(5)), sec,
                        DEFAULT_REPEATS);
                double err = Math.abs(r.meanNll() - truth);
                report.figure(key + ".abs_nll_error", err);
                ours.add(new Object[] {name, div, sec[0], err, r.scoreEvaluations()});
            }
        }
        return ours;
    }

    /** B4's rows beside the reference's: our rows and the reference's JSON (null without it) per round. */
    private void b4Report(List<List<Object[]>> perRound, List<org.nd4j.shade.jackson.databind.JsonNode> refs) {
        List<Object[]> first = perRound.get(0);
        for (int row = 0; row < first.size(); row++) {
            Object[] o = first.get(row);
            String name = (String) o[0];
            String div = (String) o[1];
            double[] ours = new double[perRound.size()];
            double[] refSeconds = new double[perRound.size()];
            double[] closed = new double[perRound.size()];
            for (int i = 0; i < ours.length; i++) {
                ours[i] = (double) perRound.get(i).get(row)[2];
                org.nd4j.shade.jackson.databind.JsonNode ref = refs.get(i);
                refSeconds[i] = ref == null ? Double.NaN
                        : BenchReport.at(ref, "datasets", name, "methods", div, "timing", "median_s");
                closed[i] = ref == null ? Double.NaN
                        : BenchReport.at(ref, "datasets", name, "methods", "analytic", "timing", "median_s");
            }
            org.nd4j.shade.jackson.databind.JsonNode ref = refs.get(0);
            double refErr = ref == null ? Double.NaN : BenchReport.at(ref, "datasets", name, "methods", div, "abs_err_vs_p0");
            double refNfe = ref == null ? Double.NaN : BenchReport.at(ref, "datasets", name, "methods", div, "nfe");
            report.compared("B4", String.format("%s, %s divergence: seconds per 2000", name, div), "b4." + name + "." + div,
                    ours, refSeconds, false, 3, "|NLL error| " + String.format(Locale.ROOT, "%.5f",
                            (double) o[3]) + " nats, NFE " + o[4] + (Double.isNaN(refErr) ? ""
                                    : String.format(Locale.ROOT, " (PyTorch %.5f, NFE %d)", refErr, (long) refNfe)));
            if (div.equals("exact")) {
                // the reference's "exact" differentiates its score by autograd, as it would a network;
                // its closed-form divergence ("analytic", its cross-check) is the like-for-like
                // comparison for this library's exact mixture divergence, so it is reported too
                double closedErr = ref == null ? Double.NaN : BenchReport.at(ref, "datasets", name, "methods", "analytic",
                        "abs_err_vs_p0");
                if (Arrays.stream(closed).anyMatch(c -> !Double.isNaN(c))) {
                    report.compared("B4", String.format("%s, exact divergence vs PyTorch's closed form", name),
                            "b4." + name + ".exact_vs_closed_form", ours, closed, false, 3,
                            String.format(Locale.ROOT, "|NLL error| %.5f nats (PyTorch %.5f, float32 score)",
                                    (double) o[3], closedErr));
                }
            }
        }
    }

    /** B5: toy MLP trained 10,000 steps on eight-gaussians (VP), EMA weights, PC sampler, NLL. */
    private void b5() {
        Workloads.TrainedQuality r = Workloads.trainedQuality(10_000, 0);
        report.figure("b5.sliced_w1", r.quality().slicedWasserstein());
        report.figure("b5.mode_error", r.quality().modeWeightError());
        report.figure("b5.abs_nll_error", Math.abs(r.modelNll() - r.exactNll()));
        report.row("B5", "trained toy MLP, PC: sliced W1", BenchReport.fmt(r.quality().slicedWasserstein(), 4), "floor "
                + BenchReport.fmt(r.floor().slicedWassersteinMean(), 4) + ", mode error " + BenchReport.fmt(r.quality().modeWeightError(), 4));
        report.row("B5", "trained toy MLP: NLL nats per example", BenchReport.fmt(r.modelNll(), 4), "exact " + BenchReport.fmt(r.exactNll(), 4));
    }

    /** The OpenBLAS core type this JVM runs with, "unset" when OpenBLAS detects it itself. */
    private static String ourCore() {
        return io.github.scoresde.cpu.OpenBlasCore.current().orElse("unset");
    }

    private void writeJson() {
        StringBuilder b = new StringBuilder("{\n  \"date\": \"" + java.time.LocalDate.now() + "\",\n  \"cores\": "
                + Runtime.getRuntime().availableProcessors() + ",\n  \"repeats\": " + (repeats != null ? repeats : DEFAULT_REPEATS)
                + ",\n  \"repeats_b2_exact\": " + (repeats != null ? repeats : EXACT_B2_REPEATS)
                + ",\n  \"rounds\": " + rounds
                + ",\n  \"openblas_core\": \"" + ourCore()
                + "\",\n  \"reference_openblas_core\": \""
                + (reference == null ? "" : reference.openblasCore().orElse("unset")) + "\",\n  \"figures\": {\n");
        b.append(report.figuresJson()).append("  }\n}\n");
        try {
            Path dir = out.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(out, b.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
