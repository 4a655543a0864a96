package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.samplers.likelihood.BitsPerDimension;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import io.github.scoresde.samplers.likelihood.DivergenceEstimator;
import io.github.scoresde.samplers.likelihood.HutchinsonDivergence;
import io.github.scoresde.samplers.likelihood.Likelihood;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code likelihood}: per-example negative log-likelihoods (nats, in data units) of points under a
 * model or an exact score, through the probability-flow ODE; writes them as a CSV column and prints
 * the mean with its standard error.
 */
@Command(name = "likelihood", mixinStandardHelpOptions = true,
        description = "Negative log-likelihood of data points through the probability-flow ODE.")
public final class LikelihoodCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;


    @Mixin
    ScoreSource source;

    @Option(names = "--data", required = true, description = "points.csv or points.npy, [n, d]; for an image model "
            + "idx:FILE or idx:DIR (its test split) or images:DIR, scored in bits per dimension")
    Path data;

    @Option(names = "--n", description = "images: how many (the first n; default 100)")
    Integer n;

    @Option(names = "--divergence", description = "exact or hutchinson (default: exact for vectors, hutchinson for "
            + "images)")
    String divergence;

    @Mixin
    ToleranceMixin tolerance;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the Hutchinson probes (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, description = "nll.csv: one negative log-likelihood per line")
    Path out;

    @Option(names = "--eps", description = "the time the data is placed at, in (0, T): the NLL is that of p_eps, "
            + "the data density perturbed up to eps (default: the SDE's end time, 1e-3 for VP and sub-VP, 1e-5 "
            + "for VE; the reference code uses 1e-5)")
    Double eps;

    /**
     * Bits per dimension of the first n images, uniformly dequantised (seeded), through the
     * probability-flow ODE of an image model (docs/benchmarks.md B9).
     */
    private int bitsPerDimension(ScoreSource.Resolved r, DivergenceEstimator est) {
        if (r.model() == null || r.score().sampleShape().length != 3) {
            throw new IllegalArgumentException("--data " + data + " holds images; score them with an image model "
                    + "(--model model.zip trained on images)");
        }
        ImageSet set = ImageData.read(data.toString(), null, IdxFiles.Split.TEST);
        long[] shape = r.score().sampleShape();
        if (set.channels() != shape[0] || set.height() != shape[1] || set.width() != shape[2]) {
            throw new IllegalArgumentException(set + " does not match the model's images of "
                    + shape[0] + "x" + shape[1] + "x" + shape[2]);
        }
        int count = Math.min(Checks.positive("--n", n == null ? 100 : n), set.size());
        INDArray pixels = ImageSource.of(set).dequantized(true).range(0, count, RandomSource.of(seed).stream(7));
        Likelihood likelihood = likelihood(est);
        double jacobian = r.model().scaler().logJacobian();
        long dims = r.score().sampleSize();
        double[] bpd = new double[count];
        double mean = 0;
        int evaluations = 0;
        long t0 = System.nanoTime();
        // a U-Net's activations are hundreds of values per pixel: images are scored in chunks
        for (int from = 0; from < count; from += IMAGE_CHUNK) {
            int m = Math.min(IMAGE_CHUNK, count - from);
            INDArray x = r.toModel(pixels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + m))
                    .reshape(m, shape[0], shape[1], shape[2]));
            Likelihood.Result res = likelihood.logLikelihood(r.sde(), r.score(), x, RandomSource.of(seed).stream(from));
            evaluations += res.scoreEvaluations();
            for (int i = 0; i < m; i++) {
                bpd[from + i] = BitsPerDimension.fromPixelLogDensity(res.logLikelihood()[i] + jacobian, dims);
                mean += bpd[from + i] / count;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double var = 0;
        for (double b : bpd) {
            var += (b - mean) * (b - mean) / Math.max(1, count - 1);
        }
        ArrayFiles.write(Nd4j.createFromArray(bpd).reshape(count, 1), out);
        spec.commandLine().getOut().printf(Locale.ROOT, "mean %.4f bits per dimension, standard error %.4f (%d images "
                + "of %s, dequantised; %d evaluations, %.1f s, %s); wrote %s%n", mean, Math.sqrt(var / count), count,
                set.name(), evaluations, seconds, r.sde().spec(), out);
        return 0;
    }

    /** The likelihood the options describe: the estimator, the solver's tolerances, --eps, progress. */
    private Likelihood likelihood(DivergenceEstimator est) {
        Likelihood.Builder builder = Likelihood.builder().divergence(est).solver(tolerance.solver())
                .progress(io.github.scoresde.examples.Progress.fraction("likelihood"));
        if (eps != null) {
            builder.endTime(eps);
        }
        return builder.build();
    }

    /** Images scored at a time. */
    static final int IMAGE_CHUNK = 100;

    /** The estimator for a command-line name. */
    static DivergenceEstimator estimator(String name) {
        switch (String.valueOf(name).toLowerCase(Locale.ROOT)) {
            case "exact":
                return DivergenceEstimator.exact();
            case "hutchinson":
                return new HutchinsonDivergence(HutchinsonDivergence.Probe.RADEMACHER, 1);
            default:
                throw new IllegalArgumentException("Unknown divergence \"" + name
                        + "\"; expected one of [exact, hutchinson]");
        }
    }

    @Override
    public Integer call() {
        boolean images = ImageData.isImages(data.toString());
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--data", images ? null : data, "--model",
                source.choice.model);
        DivergenceEstimator est = estimator(divergence != null ? divergence : images ? "hutchinson" : "exact");
        ScoreSource.Resolved r = source.resolve();
        if (images) {
            return bitsPerDimension(r, est);
        }
        if (n != null) {
            throw new IllegalArgumentException("--n is for image data; a .csv or .npy file is scored whole");
        }
        INDArray x = ArrayFiles.read(data);
        if (x.size(1) != r.dimension()) {
            throw new IllegalArgumentException(data + " has " + x.size(1) + " columns but the model has "
                    + r.dimension() + " dimensions");
        }
        double jacobian = r.model() == null ? 0 : r.model().scaler().logJacobian();
        Likelihood lik = likelihood(est);
        double at = io.github.scoresde.samplers.EndTime.resolve(eps, r.sde());
        Likelihood.Result res = lik.logLikelihood(r.sde(), r.score(), r.toModel(x), RandomSource.of(seed));
        double[] nll = new double[res.logLikelihood().length];
        for (int i = 0; i < nll.length; i++) {
            nll[i] = -(res.logLikelihood()[i] + jacobian);
        }
        ArrayFiles.write(Nd4j.createFromArray(nll).reshape(nll.length, 1), out);
        spec.commandLine().getOut().printf(Locale.ROOT, "mean NLL %.6f nats per example at t = %s, standard error %.6f "
                + "(%d examples, %d evaluations, %s); wrote %s%n", res.meanNll() - jacobian, at, res.standardError(),
                nll.length, res.scoreEvaluations(), r.sde().spec(), out);
        return 0;
    }
}
