package io.github.scoresde.examples;

import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.sde.Sde;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine;

/**
 * The command-line names of the SDEs ({@code vp}, {@code subvp}, {@code ve}) with the paper's
 * hyper-parameters; the one name-to-type table of the library, kept at the CLI edge.
 */
public enum SdeChoice {
    /** {@link VpSde} with beta in [0.1, 20]. */
    VP("vp", "VP"),
    /** {@link SubVpSde} with beta in [0.1, 20]. */
    SUBVP("subvp", "sub-VP"),
    /** {@link VeSde}, exact kernel, sigma_min 0.01, sigma_max 10 (2-D) or 50 (more dimensions). */
    VE("ve", "VE");

    private final String cliName;
    private final String label;

    SdeChoice(String cliName, String label) {
        this.cliName = cliName;
        this.label = label;
    }

    /** The name on the command line. */
    public String cliName() {
        return cliName;
    }

    /** A short human-readable label. */
    public String label() {
        return label;
    }

    /**
     * The SDE with the benchmark hyper-parameters for data of {@code dimension} dimensions
     * (VE's sigma_max is 10 for 2-D data and 50 above, as in BENCHMARKS.md).
     */
    public Sde create(int dimension) {
        return switch (this) {
            case VP -> new VpSde();
            case SUBVP -> new SubVpSde();
            case VE -> new VeSde(VeSde.DEFAULT_SIGMA_MIN, dimension <= 2 ? VeSde.DEFAULT_SIGMA_MAX : 50.0);
        };
    }

    /**
     * The SDE with the benchmark hyper-parameters, VE's sigma_max and kernel as given (null: the
     * defaults of {@link #create(int)}).
     *
     * @throws IllegalArgumentException when sigma_max or the kernel is given for an SDE other than VE
     */
    public Sde create(int dimension, Double sigmaMax, VeSde.Kernel kernel) {
        if (this != VE && (sigmaMax != null || kernel != null)) {
            throw new IllegalArgumentException("--sigma-max and --ve-kernel apply to --sde ve only; got --sde "
                    + cliName);
        }
        if (this != VE) {
            return create(dimension);
        }
        VeSde defaults = (VeSde) create(dimension);
        return new VeSde(VeSde.DEFAULT_SIGMA_MIN, sigmaMax != null ? sigmaMax : defaults.sigmaMax(),
                kernel != null ? kernel : defaults.kernel());
    }

    /** The VE kernel for a command-line name: {@code exact} or {@code approximate}. */
    public static VeSde.Kernel veKernel(String name) {
        return switch (String.valueOf(name).toLowerCase(Locale.ROOT)) {
            case "exact" -> VeSde.Kernel.EXACT;
            case "approximate" -> VeSde.Kernel.SIGMA_APPROXIMATION;
            default -> throw new IllegalArgumentException("Unknown VE kernel \"" + name
                    + "\"; expected exact (variance sigma(t)^2 - sigma_min^2) or approximate (sigma(t)^2)");
        };
    }

    /** Parses a command-line name, listing the valid ones when it fails. */
    public static SdeChoice parse(String name) {
        for (SdeChoice c : values()) {
            if (c.cliName.equals(String.valueOf(name).toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("Unknown SDE \"" + name + "\"; expected one of " + Names.LIST);
    }

    /** Picocli converter. */
    public static final class Converter implements CommandLine.ITypeConverter<SdeChoice> {
        @Override
        public SdeChoice convert(String value) {
            return parse(value);
        }
    }

    /** The valid names, for help texts. */
    public static final class Names extends ArrayList<String> {
        static final java.util.List<String> LIST = Arrays.stream(values()).map(SdeChoice::cliName).toList();

        /** For picocli's completion candidates. */
        public Names() {
            super(LIST);
        }
    }
}
