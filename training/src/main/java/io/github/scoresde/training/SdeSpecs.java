package io.github.scoresde.training;

import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import java.util.Locale;

/**
 * Text form of the library's SDEs for model files: {@code vp;beta_min;beta_max},
 * {@code subvp;beta_min;beta_max}, {@code ve;sigma_min;sigma_max;KERNEL}.
 */
public final class SdeSpecs {
    private SdeSpecs() {
    }

    /**
     * @throws IllegalArgumentException for an SDE class this format does not know
     */
    public static String toText(Sde sde) {
        if (sde instanceof VpSde vp) {
            return String.format(Locale.ROOT, "vp;%s;%s", vp.betaMin(), vp.betaMax());
        }
        if (sde instanceof SubVpSde sub) {
            return String.format(Locale.ROOT, "subvp;%s;%s", sub.betaMin(), sub.betaMax());
        }
        if (sde instanceof VeSde ve) {
            return String.format(Locale.ROOT, "ve;%s;%s;%s", ve.sigmaMin(), ve.sigmaMax(), ve.kernel());
        }
        throw new IllegalArgumentException("Cannot save an SDE of type " + sde.getClass().getName()
                + "; model files know VpSde, SubVpSde and VeSde");
    }

    /**
     * @throws IllegalArgumentException for malformed text, naming it
     */
    public static Sde fromText(String text) {
        String[] p = String.valueOf(text).trim().split(";");
        try {
            switch (p[0]) {
                case "vp":
                    return new VpSde(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                case "subvp":
                    return new SubVpSde(Double.parseDouble(p[1]), Double.parseDouble(p[2]));
                case "ve":
                    return new VeSde(Double.parseDouble(p[1]), Double.parseDouble(p[2]), VeSde.Kernel.valueOf(p[3]));
                default:
                    throw new IllegalArgumentException("unknown SDE type \"" + p[0] + "\"");
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            throw new IllegalArgumentException("malformed SDE \"" + text + "\"");
        }
    }
}
