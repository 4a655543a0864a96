package io.github.scoresde.sde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The noise level sigma(t) = s(t) / m(t), the log-SNR and their closed-form inverses (docs/math.md
 * section 12) for every SDE, against the formulas written out here and as round trips.
 */
class NoiseLevelTest {

    static Stream<Arguments> sdes() {
        return Stream.of(Arguments.of(new VpSde()), Arguments.of(new SubVpSde()), Arguments.of(new VeSde()),
                Arguments.of(new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION)), Arguments.of(new VpSde(1, 1)),
                Arguments.of(new SubVpSde(0, 5)), Arguments.of(new VeSde(0.002, 80)));
    }

    @Test
    void noiseLevelsAreTheClosedForms() {
        for (double t : new double[] {1e-5, 1e-3, 0.1, 0.5, 1}) {
            double bigB = 0.1 * t + t * t * (20 - 0.1) / 2;
            assertEquals(Math.sqrt(Math.expm1(bigB)), new VpSde().noiseLevel(t), 1e-12 * Math.sqrt(Math.expm1(bigB)) + 1e-15);
            assertEquals(2 * Math.sinh(bigB / 2), new SubVpSde().noiseLevel(t), 1e-12 * Math.sinh(bigB / 2) + 1e-15);
            double r = Math.pow(1000, t);
            assertEquals(0.01 * Math.sqrt(r * r - 1), new VeSde().noiseLevel(t), 1e-12 * r);
            assertEquals(0.01 * r, new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION).noiseLevel(t), 1e-12 * r);
            assertEquals(-Math.log(new VpSde().noiseLevel(t)), new VpSde().logSnr(t), 1e-12);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sdes")
    void timeAtNoiseLevelInvertsNoiseLevel(Sde sde) {
        double previous = -1;
        for (double t : new double[] {1e-6, 1e-5, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.77, 0.99, 1}) {
            double sigma = sde.noiseLevel(t);
            assertTrue(sigma > previous, "noise level increases in t");
            previous = sigma;
            assertEquals(t, sde.timeAtNoiseLevel(sigma), 1e-9 * Math.max(t, 1e-3), "t = " + t);
            assertEquals(t, sde.timeAtLogSnr(sde.logSnr(t)), 1e-9 * Math.max(t, 1e-3), "t = " + t);
        }
        assertEquals(1.0, sde.timeAtNoiseLevel(sde.noiseLevel(1) * (1 + 1e-13)), 1e-12, "rounding above T is T");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sdes")
    void noiseLevelsOutsideTheProcessAreRefusedByName(Sde sde) {
        double top = sde.noiseLevel(sde.horizon());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sde.timeAtNoiseLevel(top * 1.01));
        assertTrue(e.getMessage().contains("noise level") && e.getMessage().contains(String.valueOf(top * 1.01)),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sde.timeAtNoiseLevel(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> sde.timeAtNoiseLevel(-1));
        assertThrows(IllegalArgumentException.class, () -> sde.timeAtLogSnr(Double.NaN));
    }

    @Test
    void theSigmaApproximationStartsAtSigmaMin() {
        VeSde approx = new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION);
        assertEquals(0.01, approx.noiseLevel(0), 1e-15);
        assertEquals(0.0, approx.timeAtNoiseLevel(0.01), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> approx.timeAtNoiseLevel(0.005));
        assertEquals(0.0, new VpSde().timeAtNoiseLevel(0), 0);
    }
}
