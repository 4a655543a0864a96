package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.samplers.Corrector;
import io.github.scoresde.samplers.DdimSampler;
import io.github.scoresde.samplers.DpmSolverSampler;
import io.github.scoresde.samplers.EdmHeunSampler;
import io.github.scoresde.samplers.Predictor;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingListener;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The sampler options of the command line: {@code --sampler} by name and each sampler's settings.
 * The names end here; the library takes sampler types.
 */
public final class SamplerOptions {
    /** The sampler names of the command line. */
    static final List<String> NAMES = List.of("em", "pc", "ancestral", "ode", "heun", "heun-sde", "dpm++2m", "ddim");

    @Option(names = "--sampler", defaultValue = "pc", description = "em, pc, ancestral, ode, heun, heun-sde, dpm++2m "
            + "or ddim (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--steps", description = "time steps (em, pc, ancestral: default 1000) or grid times (heun, "
            + "heun-sde: default 18, 2 N - 1 evaluations; dpm++2m: default 20; ddim: default 50; N evaluations)")
    Integer steps;

    @Option(names = "--snr", defaultValue = "0.16", description = "Langevin signal-to-noise ratio for pc (default ${DEFAULT-VALUE})")
    double snr;

    @Option(names = "--corrector-steps", defaultValue = "1", description = "Langevin steps per level for pc (default "
            + "${DEFAULT-VALUE})")
    int correctorSteps;

    @Option(names = "--eta", defaultValue = "0", description = "ddim: noise of each step, 0 deterministic, 1 "
            + "ancestral (default ${DEFAULT-VALUE})")
    double eta;

    @Option(names = "--churn", defaultValue = "10", description = "heun-sde: EDM's S_churn, the noise added over the "
            + "run (default ${DEFAULT-VALUE})")
    double churn;

    @Mixin
    ToleranceMixin tolerance;

    /** The sampler named, with a listener, running {@code chunk} examples at a time (0: all at once). */
    Sampler build(SamplingListener listener, int chunk) {
        return build(listener, chunk, Conditioning.NONE);
    }

    /**
     * As {@link #build(SamplingListener, int)}, conditioned (inpainting, colorization, guidance).
     *
     * @throws IllegalArgumentException for {@code ode}, which has no conditioning hook
     */
    Sampler build(SamplingListener listener, int chunk, Conditioning conditioning) {
        String n = String.valueOf(name).toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("Unknown sampler \"" + name + "\"; expected one of " + NAMES);
        }
        if (steps != null) {
            Checks.positive("--steps", steps);
        }
        if (eta != 0 && !n.equals("ddim")) {
            throw new IllegalArgumentException("--eta is a setting of --sampler ddim, not " + n);
        }
        Checks.positive("--corrector-steps", correctorSteps);
        if (conditioning != Conditioning.NONE && n.equals("ode")) {
            throw new IllegalArgumentException("--sampler ode cannot be conditioned; use pc, em, ancestral, heun, "
                    + "heun-sde, dpm++2m or ddim");
        }
        switch (n) {
            case "em":
                return PredictorCorrectorSampler.builder().predictor(Predictor.eulerMaruyama()).corrector(Corrector.none())
                        .steps(steps(PredictorCorrectorSampler.DEFAULT_STEPS)).listener(listener).chunkSize(chunk)
                        .conditioning(conditioning).build();
            case "pc":
                return PredictorCorrectorSampler.builder().corrector(new io.github.scoresde.samplers.LangevinCorrector(
                        Checks.positive("--snr", snr), correctorSteps)).steps(steps(PredictorCorrectorSampler.DEFAULT_STEPS))
                        .listener(listener).chunkSize(chunk).conditioning(conditioning).build();
            case "ancestral":
                return PredictorCorrectorSampler.builder().predictor(Predictor.ancestral()).corrector(Corrector.none())
                        .steps(steps(PredictorCorrectorSampler.DEFAULT_STEPS)).listener(listener).chunkSize(chunk)
                        .conditioning(conditioning).build();
            case "ode":
                return tolerance.flowSampler(null, chunk);
            case "heun":
            case "heun-sde":
                return EdmHeunSampler.builder().steps(steps(EdmHeunSampler.DEFAULT_STEPS))
                        .churn(n.equals("heun") ? 0 : Checks.positive("--churn", churn)).listener(listener)
                        .chunkSize(chunk).conditioning(conditioning).build();
            case "dpm++2m":
                return DpmSolverSampler.builder().steps(steps(DpmSolverSampler.DEFAULT_STEPS)).listener(listener)
                        .chunkSize(chunk).conditioning(conditioning).build();
            default:
                return DdimSampler.builder().steps(steps(DdimSampler.DEFAULT_STEPS)).eta(Checks.nonNegative("--eta", eta))
                        .listener(listener).chunkSize(chunk).conditioning(conditioning).build();
        }
    }

    private int steps(int fallback) {
        return steps != null ? steps : fallback;
    }
}
