package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.examples.SdeChoice;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VeSde;
import picocli.CommandLine.Option;

/**
 * The {@code --sigma-max} and {@code --ve-kernel} options of the commands that build a VE SDE
 * (docs/math.md section 1): sigma_max (default 10 for 2-D data, 50 above) and the perturbation
 * kernel's variance, {@code exact} sigma(t)^2 - sigma_min^2 (the default) or {@code approximate}
 * sigma(t)^2 (the reference code's). The SDE is recorded in the model file.
 */
public final class VeOptions {
    @Option(names = "--sigma-max", description = "VE's sigma_max (default 10 for 2-D data, 50 above)")
    Double sigmaMax;

    @Option(names = "--ve-kernel", description = "VE's perturbation variance: exact (sigma(t)^2 - sigma_min^2, the "
            + "default) or approximate (sigma(t)^2, the reference code's)")
    String kernel;

    /** Whether either option was given. */
    boolean given() {
        return sigmaMax != null || kernel != null;
    }

    /**
     * The SDE of {@code choice} for data of {@code dimension} values with these options.
     *
     * @throws IllegalArgumentException when they are given for an SDE other than VE, or are invalid
     */
    Sde create(SdeChoice choice, int dimension) {
        if (sigmaMax != null) {
            Checks.positive("--sigma-max", sigmaMax);
        }
        return choice.create(dimension, sigmaMax, kernel == null ? null : SdeChoice.veKernel(kernel));
    }
}
