package io.github.scoresde.tools;

import io.github.scoresde.samplers.SamplingResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code decode}: latent codes to data through the probability-flow ODE (from T to the end time). */
@Command(name = "decode", mixinStandardHelpOptions = true, description = "Decode latent codes into data points.")
public final class DecodeCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ScoreSource source;

    @Option(names = "--latent", required = true, description = "latents.csv or latents.npy, [n, d]")
    Path latent;

    @Mixin
    ToleranceMixin tolerance;

    @Option(names = "--out", required = true, description = "points.csv or points.npy")
    Path out;

    @Override
    public Integer call() {
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--latent", latent, "--model", source.choice.model);
        ScoreSource.Resolved r = source.resolve();
        INDArray z = ArrayFiles.read(latent);
        SamplingResult res = tolerance.flowSampler()
                .decode(r.sde(), r.score(), z);
        ArrayFiles.write(r.toData(res.samples()), out);
        spec.commandLine().getOut().printf("decoded %d codes into %s (%d evaluations)%n", z.size(0), out, res.scoreEvaluations());
        return 0;
    }
}
