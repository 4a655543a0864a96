package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.examples.Progress;
import io.github.scoresde.samplers.Sampler;
import io.github.scoresde.samplers.SamplingResult;
import java.nio.file.Path;
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

    @Mixin
    ScoreSource source;

    @Mixin
    SamplerOptions samplerOptions;

    @Option(names = "--n", description = "number of samples (required unless --latent gives them)")
    Integer n;

    @Option(names = "--latent", description = "start from these prior draws x(T) (.npy or .csv, [n, sample shape...] "
            + "or [n, values], in the model's coordinates) instead of drawing them from --seed; with a deterministic "
            + "sampler (ode, heun, dpm++2m, ddim with eta 0) the samples depend on the latent alone")
    Path latent;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, description = "samples.csv or samples.npy (images: .npy, float32 "
            + "[n, C, H, W] in the data's pixel scale)")
    Path out;

    @Option(names = "--grid", description = "image models: also a PNG grid of the samples")
    Path grid;

    @Option(names = "--class", description = "a class-conditional model (train --conditional): samples of this class")
    Integer label;

    @Option(names = "--guidance", defaultValue = "0", description = "--class: the classifier-free guidance weight w "
            + ">= 0, score (1 + w) s(x, t, y) - w s(x, t) (default ${DEFAULT-VALUE}: plain conditional sampling)")
    double guidance;

    /** Images sampled at a time. */
    static final int IMAGE_CHUNK = 256;

    @Override
    public Integer call() {
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--model", source.choice.model, "--latent", latent);
        if (grid != null) {
            Outputs.check("--grid", grid, new String[] {"png"}, "--model", source.choice.model, "--out", out,
                    "--latent", latent);
        }
        if (n == null && latent == null) {
            throw new IllegalArgumentException("--n is required (or --latent, which gives the number of samples)");
        }
        if (n != null) {
            Checks.positive("--n", n);
        }
        if (label == null && guidance != 0) {
            throw new IllegalArgumentException("--guidance needs --class");
        }
        io.github.scoresde.samplers.Conditioning conditioning = label == null
                ? io.github.scoresde.samplers.Conditioning.NONE
                : io.github.scoresde.samplers.guidance.ClassifierFreeGuidance.of(label, guidance);
        // the sampler options are checked before the model is read
        samplerOptions.build(io.github.scoresde.samplers.SamplingListener.none(), 0, conditioning);
        ScoreSource.Resolved r = source.resolve();
        INDArray start = latent == null ? null : latent(r.score().sampleShape());
        int count = start != null ? (int) start.size(0) : n;
        boolean images = r.score().sampleShape().length == 3;
        // a U-Net's activations are hundreds of values per pixel: images are sampled in chunks
        Sampler s = samplerOptions.build(Progress.samplingListener("sample"), images ? IMAGE_CHUNK : 0, conditioning);
        // the samples, the score, the noise and the sampler's working copies: about eight of them
        Sizes.check("--n " + count, (double) count * r.dimension(), 4, 8);
        if (grid != null && !images) {
            throw new IllegalArgumentException("--grid is for image models; this score has samples of shape "
                    + java.util.Arrays.toString(r.score().sampleShape()));
        }
        if (images && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            throw new IllegalArgumentException("--out " + out + ": image samples are written as .npy");
        }
        SamplingResult res = start != null ? s.sampleFrom(r.sde(), r.score(), start, RandomSource.of(seed))
                : s.sample(r.sde(), r.score(), count, seed);
        INDArray data = r.toData(res.samples());
        ArrayFiles.write(data, out);
        if (grid != null) {
            io.github.scoresde.training.images.ImageGrid.write(data, 2, grid);
        }
        spec.commandLine().getOut().printf("wrote %d samples to %s%s (%d score evaluations, %.2f s, %s)%n", count, out,
                grid != null ? " and " + grid : "", res.scoreEvaluations(), res.elapsed().toMillis() / 1000.0,
                r.sde().spec());
        return 0;
    }

    /** The --latent file as [n, sampleShape...], checked against --n and for finite values. */
    private INDArray latent(long[] sampleShape) {
        INDArray z = ArrayFiles.asExamples("--latent " + latent, ArrayFiles.read(latent), sampleShape);
        if (n != null && n != z.size(0)) {
            throw new IllegalArgumentException("--n " + n + " does not match the " + z.size(0) + " latents in " + latent
                    + "; leave --n out");
        }
        return z;
    }
}
