package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import java.nio.file.Path;
import java.util.Arrays;
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
        long[] sample = r.score().sampleShape();
        long d = r.score().sampleSize();
        long[] shape = new long[sample.length + 1];
        shape[0] = x.size(0);
        System.arraycopy(sample, 0, shape, 1, sample.length);
        if (x.length() != x.size(0) * d) {
            throw new IllegalArgumentException("--data " + data + " has shape " + Arrays.toString(x.shape())
                    + "; the model's examples have shape " + Arrays.toString(sample));
        }
        Checks.allFinite("--data", x);
        INDArray s = r.score().score(x.reshape(shape), t);
        ArrayFiles.write(s.reshape(x.shape()), out);
        spec.commandLine().getOut().printf("wrote the score at t = %s of %d points to %s%n", t, x.size(0), out);
        return 0;
    }
}
