package io.github.scoresde.tools;

import io.github.scoresde.samplers.SamplingResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code encode}: data to latent codes through the probability-flow ODE (from the end time to T). */
@Command(name = "encode", mixinStandardHelpOptions = true, description = "Encode data points into latent codes.")
public final class EncodeCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ScoreSource source;

    @Option(names = "--data", required = true, description = "points.csv or points.npy, [n, d]")
    Path data;

    @Mixin
    ToleranceMixin tolerance;

    @Option(names = "--out", required = true, description = "latents.csv or latents.npy")
    Path out;

    @Option(names = "--eps", description = "the time the data is placed at, in (0, T) (default: the SDE's end time, "
            + "1e-3 for VP and sub-VP, 1e-5 for VE)")
    Double eps;

    @Override
    public Integer call() {
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--data", data, "--model", source.choice.model);
        ScoreSource.Resolved r = source.resolve();
        INDArray x = ArrayFiles.read(data);
        SamplingResult res = tolerance.flowSampler(eps).encode(r.sde(), r.score(), r.toModel(x));
        ArrayFiles.write(res.samples(), out);
        spec.commandLine().getOut().printf("encoded %d points placed at t = %s into %s (%d evaluations)%n", x.size(0),
                io.github.scoresde.samplers.EndTime.resolve(eps, r.sde()), out, res.scoreEvaluations());
        return 0;
    }
}
