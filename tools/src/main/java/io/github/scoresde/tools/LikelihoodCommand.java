package io.github.scoresde.tools;

import io.github.scoresde.core.RandomSource;
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

    @Option(names = "--data", required = true, description = "points.csv or points.npy, [n, d]")
    Path data;

    @Option(names = "--divergence", defaultValue = "exact", description = "exact or hutchinson (default ${DEFAULT-VALUE})")
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
        Outputs.check("--out", out, ArrayFiles.EXTENSIONS, "--data", data, "--model", source.choice.model);
        DivergenceEstimator est = estimator(divergence);
        ScoreSource.Resolved r = source.resolve();
        INDArray x = ArrayFiles.read(data);
        if (x.size(1) != r.dimension()) {
            throw new IllegalArgumentException(data + " has " + x.size(1) + " columns but the model has "
                    + r.dimension() + " dimensions");
        }
        double jacobian = r.model() == null ? 0 : r.model().scaler().logJacobian();
        Likelihood.Builder builder = Likelihood.builder().divergence(est).solver(tolerance.solver());
        if (eps != null) {
            builder.endTime(eps);
        }
        Likelihood lik = builder.build();
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
