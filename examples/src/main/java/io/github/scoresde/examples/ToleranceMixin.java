package io.github.scoresde.examples;

import io.github.scoresde.core.Checks;
import io.github.scoresde.samplers.ode.DormandPrince45;
import picocli.CommandLine.Option;

/** The {@code --rtol} / {@code --atol} / {@code --ode-stabilization} options of the commands that solve the probability-flow ODE. */
public final class ToleranceMixin {
    @Option(names = "--rtol", defaultValue = "1e-5", description = "relative tolerance (default ${DEFAULT-VALUE})")
    double rtol;

    @Option(names = "--atol", defaultValue = "1e-5", description = "absolute tolerance (default ${DEFAULT-VALUE})")
    double atol;

    @Option(names = "--ode-stabilization", defaultValue = "0", description = "the step controller's "
            + "stabilization beta in [0, 0.1]: 0 is scipy's classical controller, 0.04 Hairer's PI control "
            + "(default ${DEFAULT-VALUE})")
    double stabilization;

    /** Dormand-Prince with these tolerances and this step control. */
    DormandPrince45 solver() {
        return new DormandPrince45(Checks.positive("--rtol", rtol), Checks.positive("--atol", atol))
                .withStepControl(DormandPrince45.DEFAULT_SAFETY,
                        Checks.inRange("--ode-stabilization", stabilization, 0, 0.1));
    }
}
