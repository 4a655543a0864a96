package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code score}: the score of any model at given points and one time, written as an array file
 * (what checks an import against the framework it came from, docs/interop.md).
 */
@Command(name = "score", mixinStandardHelpOptions = true, description = "Write the score s(x, t) of a model at the "
        + "points of a file.")
public final class ScoreCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ScoreSource source;

    @Option(names = "--data", required = true, description = "points.npy or points.csv in the model's space (the "
            + "network's input), [n, d] or [n, sample shape...]")
    Path data;

    @Option(names = "--t", required = true, description = "the time, in (0, T]")
    double t;

    @Option(names = "--out", required = true, description = "scores.npy or scores.csv, the shape of --data")
    Path out;

    @Override
    public Integer call() {
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--data", data, "--model", source.choice.model);
        ScoreSource.Resolved r = source.resolve();
        Checks.finite("--t", t);
        if (!(t > 0) || t > r.sde().horizon()) {
            throw new IllegalArgumentException("--t must lie in (0, " + r.sde().horizon() + "]; got " + t);
        }
        INDArray x = ArrayFiles.read(data);
        INDArray s = r.score().score(ArrayFiles.asExamples("--data " + data, x, r.score().sampleShape()), t);
        ArrayFiles.write(s.reshape(x.shape()), out);
        spec.commandLine().getOut().printf("wrote the score at t = %s of %d points to %s%n", t, x.size(0), out);
        return 0;
    }
}
