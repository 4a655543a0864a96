package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.samplers.ProbabilityFlowSampler;
import io.github.scoresde.samplers.ode.DormandPrince45;
import picocli.CommandLine.Option;

/** The {@code --rtol} / {@code --atol} / {@code --ode-stabilization} options of the commands that solve the probability-flow ODE. */
public final class ToleranceMixin {
    @Option(names = "--rtol", defaultValue = "1e-5", description = "relative tolerance (default ${DEFAULT-VALUE})")
    double rtol;

    @Option(names = "--atol", defaultValue = "1e-5", description = "absolute tolerance (default ${DEFAULT-VALUE})")
    double atol;

    @Option(names = "--ode-stabilization", description = "the step controller's stabilization beta in [0, 0.1]: "
            + "0 is scipy's classical controller, 0.04 Hairer's PI control (default: 0.04 when sampling or "
            + "decoding, 0 when encoding or computing likelihoods)")
    Double stabilization;

    /** Dormand-Prince with these tolerances and this step control, the classical one if none is given. */
    DormandPrince45 solver() {
        DormandPrince45 classical = new DormandPrince45(Checks.positive("--rtol", rtol), Checks.positive("--atol", atol));
        return stabilization == null ? classical : classical.withStepControl(DormandPrince45.DEFAULT_SAFETY,
                Checks.inRange("--ode-stabilization", stabilization, 0, 0.1));
    }

    /**
     * The probability-flow sampler with these tolerances: the given step control in both directions,
     * or the sampler's default pair (PI control down to the end time, classical up to T).
     */
    ProbabilityFlowSampler flowSampler() {
        return flowSampler(null);
    }

    /** As {@link #flowSampler()}, with the data placed at {@code endTime} (null: the SDE's end time). */
    ProbabilityFlowSampler flowSampler(Double endTime) {
        return flowSampler(endTime, 0);
    }

    /** As {@link #flowSampler(Double)}, sampling {@code chunk} examples at a time (0: all at once). */
    ProbabilityFlowSampler flowSampler(Double endTime, int chunk) {
        ProbabilityFlowSampler.Builder b = ProbabilityFlowSampler.builder()
                .progress(io.github.scoresde.examples.Progress.fraction("ode")).chunkSize(chunk);
        if (endTime != null) {
            b.endTime(endTime);
        }
        if (stabilization == null) {
            b.tolerances(Checks.positive("--rtol", rtol), Checks.positive("--atol", atol));
        } else {
            b.solver(solver());
        }
        return b.build();
    }
}
