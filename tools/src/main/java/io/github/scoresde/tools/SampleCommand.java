package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.examples.Progress;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sample}: draws samples from a model file or an exact score and writes them (.csv or .npy). */
@Command(name = "sample", mixinStandardHelpOptions = true, description = "Draw samples and write them to a file.")
public final class SampleCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The sampler names of the command line. */
    static final List<String> SAMPLERS = List.of("em", "pc", "ancestral", "ode");

    @Mixin
    ScoreSource source;

    @Option(names = "--sampler", defaultValue = "pc", description = "em, pc, ancestral or ode (default ${DEFAULT-VALUE})")
    String sampler;

    @Option(names = "--steps", defaultValue = "1000", description = "time steps for em, pc, ancestral (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--snr", defaultValue = "0.16", description = "Langevin signal-to-noise ratio for pc (default ${DEFAULT-VALUE})")
    double snr;

    @Mixin
    ToleranceMixin tolerance;

    @Option(names = "--n", required = true, description = "number of samples")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, description = "samples.csv or samples.npy (images: .npy, float32 "
            + "[n, C, H, W] in the data's pixel scale)")
    Path out;

    @Option(names = "--grid", description = "image models: also a PNG grid of the samples")
    Path grid;

    /** The sampler for a command-line name. */
    static Sampler sampler(String name, int steps, double snr, ToleranceMixin tolerance,
            io.github.scoresde.samplers.SamplingListener listener) {
        return sampler(name, steps, snr, tolerance, listener, 0);
    }

    /**
     * As above, running {@code chunk} examples at a time (0: all at once): the same samples with
     * the fixed-step samplers, the same to the solver's tolerance with the ODE.
     */
    static Sampler sampler(String name, int steps, double snr, ToleranceMixin tolerance,
            io.github.scoresde.samplers.SamplingListener listener, int chunk) {
        Checks.positive("--steps", steps);
        switch (String.valueOf(name).toLowerCase(Locale.ROOT)) {
            case "em":
                return PredictorCorrectorSampler.builder().predictor(io.github.scoresde.samplers.Predictor.eulerMaruyama())
                        .corrector(io.github.scoresde.samplers.Corrector.none()).steps(steps).listener(listener)
                        .chunkSize(chunk).build();
            case "pc":
                return PredictorCorrectorSampler.builder()
                        .corrector(io.github.scoresde.samplers.Corrector.langevin(Checks.positive("--snr", snr)))
                        .steps(steps).listener(listener).chunkSize(chunk).build();
            case "ancestral":
                return PredictorCorrectorSampler.builder().predictor(io.github.scoresde.samplers.Predictor.ancestral())
                        .corrector(io.github.scoresde.samplers.Corrector.none()).steps(steps).listener(listener)
                        .chunkSize(chunk).build();
            case "ode":
                return tolerance.flowSampler(null, chunk);
            default:
                throw new IllegalArgumentException("Unknown sampler \"" + name + "\"; expected one of " + SAMPLERS);
        }
    }

    /** Images sampled at a time. */
    static final int IMAGE_CHUNK = 256;

    @Override
    public Integer call() {
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--model", source.choice.model);
        if (grid != null) {
            Outputs.check("--grid", grid, new String[] {"png"}, "--model", source.choice.model, "--out", out);
        }
        Checks.positive("--n", n);
        // the sampler options are checked before the model is read
        sampler(sampler, steps, snr, tolerance, io.github.scoresde.samplers.SamplingListener.none());
        ScoreSource.Resolved r = source.resolve();
        boolean images = r.score().sampleShape().length == 3;
        // a U-Net's activations are hundreds of values per pixel: images are sampled in chunks
        Sampler s = sampler(sampler, steps, snr, tolerance, Progress.samplingListener("sample"),
                images ? IMAGE_CHUNK : 0);
        // the samples, the score, the noise and the sampler's working copies: about eight of them
        Sizes.check("--n " + n, (double) n * r.dimension(), 4, 8);
        if (grid != null && !images) {
            throw new IllegalArgumentException("--grid is for image models; this score has samples of shape "
                    + java.util.Arrays.toString(r.score().sampleShape()));
        }
        if (images && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            throw new IllegalArgumentException("--out " + out + ": image samples are written as .npy");
        }
        SamplingResult res = s.sample(r.sde(), r.score(), n, seed);
        INDArray data = r.toData(res.samples());
        ArrayFiles.write(data, out);
        if (grid != null) {
            io.github.scoresde.training.images.ImageGrid.write(data, 2, grid);
        }
        spec.commandLine().getOut().printf("wrote %d samples to %s%s (%d score evaluations, %.2f s, %s)%n", n, out,
                grid != null ? " and " + grid : "", res.scoreEvaluations(), res.elapsed().toMillis() / 1000.0,
                r.sde().spec());
        return 0;
    }
}
