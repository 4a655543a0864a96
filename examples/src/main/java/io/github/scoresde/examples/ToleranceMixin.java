package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.samplers.ode.DormandPrince45;
import picocli.CommandLine.Option;

/** The {@code --rtol} / {@code --atol} options of the commands that solve the probability-flow ODE. */
public final class ToleranceMixin {
    @Option(names = "--rtol", defaultValue = "1e-5", description = "relative tolerance (default ${DEFAULT-VALUE})")
    double rtol;

    @Option(names = "--atol", defaultValue = "1e-5", description = "absolute tolerance (default ${DEFAULT-VALUE})")
    double atol;

    /** Dormand-Prince with these tolerances. */
    DormandPrince45 solver() {
        return new DormandPrince45(Checks.positive("--rtol", rtol), Checks.positive("--atol", atol));
    }
}
