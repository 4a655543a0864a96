package io.github.scoresde.examples;

import io.github.scoresde.core.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.core.nn.ScoreNetwork;
import io.github.scoresde.core.nn.ScoreNetworkConfig;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.likelihood.DivergenceEstimator;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.sde.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.ScoreModel;
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
 * {@code bench}: runs the canonical workloads B1-B5 of BENCHMARKS.md and prints one table of
 * figures (medians over repeats after a warm-up; NFE; quality figures beside their floors), also
 * written as JSON. It prints; it never fails on a time.
 *
 * <p>Runtime on 2 cores: B1 + B2 + B4 (the default) about 5-10 minutes; B3 (10,000 samples, every
 * sampler, three SDEs, two mixtures) and B5 (10,000 training steps) add 10-20 minutes each.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the benchmark workloads B1-B5 and print a table of figures (also written as JSON).")
public final class BenchCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--only", split = ",", defaultValue = "b1,b2,b4",
            description = "workloads to run, of b1,b2,b3,b4,b5 (default ${DEFAULT-VALUE})")
    List<String> only;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repeats after one warm-up (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--out", defaultValue = "target/bench.json", description = "JSON file to write (default ${DEFAULT-VALUE})")
    Path out;

    private final List<String[]> rows = new ArrayList<>();
    private final Map<String, Double> figures = new LinkedHashMap<>();

    private void row(String workload, String what, String value, String note) {
        rows.add(new String[] {workload, what, value, note});
    }

    private void figure(String key, double v) {
        figures.put(key, v);
    }

    /** Median seconds of {@code repeats} runs after one warm-up; returns the first timed result. */
    private <T> T timed(String key, Supplier<T> run, double[] seconds) {
        run.get();
        double[] s = new double[Math.max(1, repeats)];
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
        figure(key + ".seconds", seconds[0]);
        return first;
    }

    @Override
    public Integer call() {
        for (String w : only) {
            if (!List.of("b1", "b2", "b3", "b4", "b5").contains(w)) {
                throw new IllegalArgumentException("Unknown workload \"" + w + "\"; expected some of [b1, b2, b3, b4, b5]");
            }
        }
        io.github.scoresde.core.Checks.positive("--repeats", repeats);
        ScoreModel trained = null;
        if (only.contains("b1") || only.contains("b2")) {
            trained = b1();
        }
        if (only.contains("b2")) {
            b2(trained);
        }
        if (only.contains("b3")) {
            b3();
        }
        if (only.contains("b4")) {
            b4();
        }
        if (only.contains("b5")) {
            b5();
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-4s %-58s %14s  %s%n", "", "figure",
                "value", "note"));
        for (String[] r : rows) {
            table.append(String.format(Locale.ROOT, "%-4s %-58s %14s  %s%n", r[0], r[1], r[2], r[3]));
        }
        spec.commandLine().getOut().print(table);
        writeJson();
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }

    /** B1: toy MLP on checkerboard (VP), batch 512, 500 steps after 50 warm-up steps. */
    private ScoreModel b1() {
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
        Trainer.Result r = new Trainer(Trainer.Settings.defaults(550, 0).withListeners(List.of(clock)))
                .train(ScoreNetwork.create(ScoreNetworkConfig.toyMlp(2, 0)), new VpSde(), ToyDatasets.checkerboard(),
                        DataScaler.identity(2));
        double perSecond = 500 / ((marks[1] - marks[0]) / 1e9);
        figure("b1.steps_per_second", perSecond);
        row("B1", "training steps/s (toy MLP, checkerboard, VP, batch 512)", fmt(perSecond, 1), "500 steps after 50");
        return r.model();
    }

    /** B2: EM, PC, PF-ODE on 4096 samples with the exact eight-gaussians score and with the B1 model. */
    private void b2(ScoreModel trained) {
        Sde sde = new VpSde();
        ScoreFunction exact = new ExactMixtureScore(GaussianMixture.eightGaussians(), sde);
        b2Row("exact", sde, exact);
        b2Row("toy MLP", sde, trained.score());
    }

    private void b2Row(String label, Sde sde, ScoreFunction score) {
        Map<String, Sampler> samplers = new LinkedHashMap<>();
        samplers.put("em", PredictorCorrectorSampler.eulerMaruyama(1000));
        samplers.put("pc", PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16));
        samplers.put("ode", ProbabilityFlowSampler.create());
        for (Map.Entry<String, Sampler> e : samplers.entrySet()) {
            double[] sec = new double[1];
            String key = "b2." + label.replace(' ', '_') + "." + e.getKey();
            SamplingResult r = timed(key, () -> e.getValue().sample(sde, score, 4096, 7), sec);
            figure(key + ".nfe", r.scoreEvaluations());
            row("B2", String.format("%s score, %s: seconds per 4096 samples", label, e.getKey()), fmt(sec[0], 3),
                    "NFE " + r.scoreEvaluations());
        }
    }

    /** B3: every sampler against exact draws, 10,000 samples. */
    private void b3() {
        Workloads.QualityGrid grid = Workloads.samplerQuality(10_000);
        grid.floors().forEach((name, floor) -> row("B3", name + ": floor sliced W1 / mode error",
                fmt(floor.slicedWassersteinMean(), 4), "mode error " + fmt(floor.modeWeightErrorMean(), 4)));
        for (Workloads.QualityRow r : grid.rows()) {
            String key = "b3." + r.data() + "." + r.sde() + "." + r.sampler();
            figure(key + ".sliced_w1", r.figures().slicedWasserstein());
            figure(key + ".mode_error", r.figures().modeWeightError());
            row("B3", r.data() + ", " + r.sde() + ", " + r.sampler() + ": sliced W1",
                    fmt(r.figures().slicedWasserstein(), 4), "mode error " + fmt(r.figures().modeWeightError(), 4)
                            + ", NFE " + r.nfe() + ", " + fmt(r.seconds(), 1) + " s");
        }
    }

    /** B4: NLL of 2,000 exact draws (VP), exact divergence and Hutchinson, against the exact NLL. */
    private void b4() {
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
                        .logLikelihood(sde, new ExactMixtureScore(mix, sde), x, RandomSource.of(5)), sec);
                double err = Math.abs(r.meanNll() - truth);
                figure(key + ".abs_nll_error", err);
                row("B4", String.format("%s, %s divergence: seconds per 2000", name, div), fmt(sec[0], 3),
                        "|NLL error| " + String.format(Locale.ROOT, "%.5f", err) + " nats, NFE " + r.scoreEvaluations());
            }
        }
    }

    /** B5: toy MLP trained 10,000 steps on eight-gaussians (VP), EMA weights, PC sampler, NLL. */
    private void b5() {
        Workloads.TrainedQuality r = Workloads.trainedQuality(10_000, 0);
        figure("b5.sliced_w1", r.quality().slicedWasserstein());
        figure("b5.mode_error", r.quality().modeWeightError());
        figure("b5.abs_nll_error", Math.abs(r.modelNll() - r.exactNll()));
        row("B5", "trained toy MLP, PC: sliced W1", fmt(r.quality().slicedWasserstein(), 4), "floor "
                + fmt(r.floor().slicedWassersteinMean(), 4) + ", mode error " + fmt(r.quality().modeWeightError(), 4));
        row("B5", "trained toy MLP: NLL nats per example", fmt(r.modelNll(), 4), "exact " + fmt(r.exactNll(), 4));
    }

    private static String fmt(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private void writeJson() {
        StringBuilder b = new StringBuilder("{\n  \"date\": \"" + java.time.LocalDate.now() + "\",\n  \"cores\": "
                + Runtime.getRuntime().availableProcessors() + ",\n  \"repeats\": " + repeats + ",\n  \"figures\": {\n");
        int i = 0;
        for (Map.Entry<String, Double> e : figures.entrySet()) {
            b.append(String.format(Locale.ROOT, "    \"%s\": %s%s%n", e.getKey(), Double.toString(e.getValue()),
                    ++i < figures.size() ? "," : ""));
        }
        b.append("  }\n}\n");
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
