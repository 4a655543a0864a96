package io.github.scoresde.examples;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.samplers.likelihood.Likelihood;
import io.github.scoresde.oracle.MixtureQuality;
import io.github.scoresde.sde.AncestralSchedule;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyData;
import io.github.scoresde.training.data.ToyDatasets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Benchmark workloads shared by the {@code bench} command and the slow JUnit experiments, so both
 * measure exactly the same thing.
 */
public final class Workloads {
    private Workloads() {
    }

    /**
     * The samplers of B2 / B3 for an SDE, by short name: {@code em} (Euler-Maruyama), {@code pc}
     * (reverse diffusion + Langevin, snr 0.16), {@code ancestral} (when the SDE has a discrete
     * schedule) and {@code ode} (probability flow, Dormand-Prince rtol = atol = 1e-5).
     */
    public static Map<String, Sampler> samplers(Sde sde, int steps) {
        Map<String, Sampler> samplers = new LinkedHashMap<>();
        samplers.put("em", PredictorCorrectorSampler.eulerMaruyama(steps));
        samplers.put("pc", PredictorCorrectorSampler.reverseDiffusionLangevin(steps, 0.16));
        if (sde instanceof AncestralSchedule) {
            samplers.put("ancestral", PredictorCorrectorSampler.ancestral(steps));
        }
        samplers.put("ode", ProbabilityFlowSampler.create());
        return samplers;
    }

    /** One sampler's B3 figures. */
    public record QualityRow(String data, String sde, String sampler, MixtureQuality.Figures figures, int nfe,
            double seconds) {
    }

    /** B3: the floor of each mixture and every sampler's row. */
    public record QualityGrid(Map<String, MixtureQuality.Floor> floors, List<QualityRow> rows) {
    }

    /**
     * B3: eight-gaussians and gmm-64 under VP, sub-VP and VE (sigma_max 10, or 50 for gmm-64), every
     * sampler of {@link #samplers} with 1000 steps and seed 7, {@code n} samples against {@code n}
     * exact draws, with the floor over 4 pairs of exact sets.
     */
    public static QualityGrid samplerQuality(int n) {
        Map<String, MixtureQuality.Floor> floors = new LinkedHashMap<>();
        List<QualityRow> rows = new ArrayList<>();
        for (MixtureCase c : mixtureCases(n, floors)) {
            for (Map.Entry<String, Sampler> e : samplers(c.sde(), 1000).entrySet()) {
                SamplingResult r = e.getValue().sample(c.sde(), c.score(), n, 7);
                rows.add(new QualityRow(c.data(), c.sdeName(), e.getKey(), MixtureQuality.measure(r.samples(),
                        c.reference(), c.mixture()), r.scoreEvaluations(), r.elapsed().toMillis() / 1000.0));
            }
        }
        return new QualityGrid(floors, rows);
    }

    /** One mixture of B3 under one SDE, with its exact score and {@code n} exact reference draws. */
    private record MixtureCase(String data, GaussianMixture mixture, Sde sde, String sdeName, ExactMixtureScore score,
            INDArray reference) {
    }

    /**
     * B3's cases in order: eight-gaussians and gmm-64 under VP, sub-VP and VE (sigma_max 10, or 50
     * for gmm-64); each mixture's floor over 4 pairs of {@code n} exact draws goes into {@code floors}.
     */
    private static List<MixtureCase> mixtureCases(int n, Map<String, MixtureQuality.Floor> floors) {
        List<MixtureCase> cases = new ArrayList<>();
        for (String name : List.of("eight-gaussians", "gmm-64")) {
            GaussianMixture mix = mixture(name);
            floors.put(name, MixtureQuality.floor(mix, n, 4));
            INDArray ref = MixtureQuality.reference(mix, n);
            for (Sde sde : new Sde[] {new VpSde(), new SubVpSde(), new VeSde(0.01, mix.dimension() == 2 ? 10 : 50)}) {
                cases.add(new MixtureCase(name, mix, sde, sde.getClass().getSimpleName().replace("Sde", "")
                        .toLowerCase(Locale.ROOT), new ExactMixtureScore(mix, sde), ref));
            }
        }
        return cases;
    }

    /**
     * One few-step sampler's figures on one mixture and SDE.
     *
     * @param sampler the sampler's short name ({@code heun}, {@code dpm++2m}, {@code ddim}, ...)
     * @param gridTimes N, the grid times
     * @param figures sliced W1 and mode-weight error against exact draws
     * @param toTight sliced W1 to a tight float64 probability-flow solve from the same prior draws
     */
    public record FewStepRow(String data, String sde, String sampler, int gridTimes, MixtureQuality.Figures figures,
            double toTight, int nfe, double seconds) {
    }

    /** The floor of a mixture and the tight solve's own figures under each SDE. */
    public record FewStepGrid(Map<String, MixtureQuality.Floor> floors, Map<String, MixtureQuality.Figures> tight,
            List<FewStepRow> rows) {
    }

    /**
     * Quality against evaluations of the few-step samplers (issue targets of docs/samplers.md):
     * eight-gaussians and gmm-64 under VP, sub-VP and VE (sigma_max 10, or 50 for gmm-64), {@code n}
     * prior draws (seed 7) shared by every sampler and by a float64 Dormand-Prince solve at
     * rtol = atol = 1e-8 (denoised at the end time as the few-step samplers end); EDM Heun at 5, 10,
     * 18, 25 and 50 grid times, DPM-Solver++(2M) at 10, 15, 20, 35 and 50, DDIM (eta = 0) at 10,
     * 20, 50 and 100.
     */
    public static FewStepGrid fewStepQuality(int n) {
        Map<String, MixtureQuality.Floor> floors = new LinkedHashMap<>();
        Map<String, MixtureQuality.Figures> tight = new LinkedHashMap<>();
        List<FewStepRow> rows = new ArrayList<>();
        for (MixtureCase c : mixtureCases(n, floors)) {
            Sde sde = c.sde();
            INDArray latent = sde.priorSample(RandomSource.of(7), 0, n, c.score().sampleShape());
            INDArray exactFlow = new io.github.scoresde.sde.Denoiser(sde, c.score()).denoise(ProbabilityFlowSampler
                    .builder().tolerances(1e-8, 1e-8).dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE).build()
                    .sampleFrom(sde, c.score(), latent, RandomSource.of(0)).samples(), sde.defaultEndTime())
                    .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            tight.put(c.data() + " " + c.sdeName(), MixtureQuality.measure(exactFlow, c.reference(), c.mixture()));
            Map<String, int[]> plan = new LinkedHashMap<>();
            plan.put("heun", new int[] {5, 10, 18, 25, 50});
            plan.put("dpm++2m", new int[] {10, 15, 20, 35, 50});
            plan.put("ddim", new int[] {10, 20, 50, 100});
            for (Map.Entry<String, int[]> e : plan.entrySet()) {
                for (int times : e.getValue()) {
                    Sampler s = switch (e.getKey()) {
                        case "heun" -> io.github.scoresde.samplers.EdmHeunSampler.deterministic(times);
                        case "dpm++2m" -> io.github.scoresde.samplers.DpmSolverSampler.secondOrder(times);
                        default -> io.github.scoresde.samplers.DdimSampler.of(times, 0);
                    };
                    SamplingResult r = s.sampleFrom(sde, c.score(), latent, RandomSource.of(3));
                    rows.add(new FewStepRow(c.data(), c.sdeName(), e.getKey(), times, MixtureQuality.measure(
                            r.samples(), c.reference(), c.mixture()), io.github.scoresde.oracle.SampleMetrics
                            .slicedWasserstein1(r.samples(), exactFlow), r.scoreEvaluations(),
                            r.elapsed().toMillis() / 1000.0));
                }
            }
        }
        return new FewStepGrid(floors, tight, rows);
    }

    /**
     * B5's figures.
     *
     * @param stepsPerSecond training throughput (B1's figure on this data)
     * @param quality sliced W1 and mode-weight error of 10,000 PC samples against 10,000 exact draws
     * @param floor the same figures between independent exact sets
     * @param modelNll the model's mean NLL of 2,000 exact draws (PF-ODE, exact divergence)
     * @param exactNll the exact mean NLL of those draws
     * @param samplingSeconds the PC sampler's wall time
     */
    public record TrainedQuality(double stepsPerSecond, MixtureQuality.Figures quality, MixtureQuality.Floor floor,
            double modelNll, double exactNll, double samplingSeconds) {
    }

    /**
     * B5: the toy MLP trained {@code steps} steps on eight-gaussians (VP, batch 512, EMA 0.999),
     * the PC sampler (reverse diffusion + Langevin snr 0.16, 1000 steps) on 10,000 samples, and the
     * NLL of 2,000 exact draws through the probability-flow ODE with the exact divergence.
     */
    public static TrainedQuality trainedQuality(int steps, int logEvery) {
        Sde sde = new VpSde();
        GaussianMixture mix = GaussianMixture.eightGaussians();
        Trainer.Result t = new Trainer(Trainer.Settings.builder().steps(steps).logEvery(logEvery).build())
                .train(MlpScoreNetwork.create(MlpConfig.toyMlp(2)), sde, ToyData.EIGHT_GAUSSIANS.source(),
                        DataScaler.identity(2));
        INDArray ref = MixtureQuality.reference(mix, 10_000);
        MixtureQuality.Floor floor = MixtureQuality.floor(mix, 10_000, 4);
        SamplingResult s = PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16).sample(sde, t.model().score(),
                10_000, 1);
        MixtureQuality.Figures q = MixtureQuality.measure(s.samples(), ref, mix);
        INDArray x = mix.sample(2000, RandomSource.of(77));
        Likelihood.Result nll = Likelihood.create().logLikelihood(sde, t.model().score(), x, RandomSource.of(0));
        double exact = 0;
        for (double v : mix.logDensity(x)) {
            exact -= v / 2000;
        }
        return new TrainedQuality(t.stepsPerSecond(), q, floor, nll.meanNll(), exact, s.elapsed().toMillis() / 1000.0);
    }

    /** The canonical mixtures of the benchmarks, by their command-line names. */
    public static final java.util.Map<String, java.util.function.Supplier<GaussianMixture>> MIXTURES =
            java.util.Map.of("eight-gaussians", GaussianMixture::eightGaussians, "gmm-64", GaussianMixture::gmm64);

    /**
     * The canonical mixture named {@code name} ({@code eight-gaussians} or {@code gmm-64}).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static GaussianMixture mixture(String name) {
        java.util.function.Supplier<GaussianMixture> m = MIXTURES.get(name);
        if (m == null) {
            throw new IllegalArgumentException("Unknown mixture \"" + name + "\"; expected one of "
                    + new java.util.TreeSet<>(MIXTURES.keySet()));
        }
        return m.get();
    }
}
