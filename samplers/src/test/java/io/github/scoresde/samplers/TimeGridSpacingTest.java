package io.github.scoresde.samplers;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;

/** The EDM and log-SNR grids place their times where their formulas say, for every SDE. */
class TimeGridSpacingTest {

    @Test
    void edmGridHasTheRhoSpacedNoiseLevels() {
        for (Sde sde : new Sde[] {new VpSde(), new SubVpSde(), new VeSde(0.002, 80)}) {
            TimeGrid g = TimeGrid.edm(sde, 1, sde.defaultEndTime(), 18, 7);
            assertEquals(18, g.steps());
            assertEquals(1.0, g.start(), 0);
            assertEquals(sde.defaultEndTime(), g.end(), 0);
            double a = Math.pow(sde.noiseLevel(1), 1 / 7.0);
            double b = Math.pow(sde.noiseLevel(sde.defaultEndTime()), 1 / 7.0);
            for (int k = 0; k < 18; k++) {
                double expected = Math.pow(a + (b - a) * k / 17, 7);
                assertEquals(expected, sde.noiseLevel(g.time(k)), 1e-9 * expected, sde + " k = " + k);
            }
        }
    }

    @Test
    void logSnrGridIsUniformInLambda() {
        for (Sde sde : new Sde[] {new VpSde(), new SubVpSde(), new VeSde()}) {
            TimeGrid g = TimeGrid.Spacing.uniformLogSnr().grid(sde, 0.9, 1e-3, 11);
            double step = (sde.logSnr(1e-3) - sde.logSnr(0.9)) / 10;
            for (int k = 1; k < 11; k++) {
                assertEquals(step, sde.logSnr(g.time(k)) - sde.logSnr(g.time(k - 1)), 1e-9, sde + " k = " + k);
            }
        }
        assertEquals(TimeGrid.uniform(1, 0.1, 5), TimeGrid.Spacing.uniformTime().grid(new VpSde(), 1, 0.1, 5));
    }

    @Test
    void badGridsAreRefusedByName() {
        assertRejects(() -> TimeGrid.edm(new VpSde(), 1, 1e-3, 1, 7), "count", "1");
        assertRejects(() -> TimeGrid.edm(new VpSde(), 1, 1e-3, 5, 0), "rho");
        assertRejects(() -> TimeGrid.uniformLogSnr(new VpSde(), 2, 1e-3, 5), "start = 2.0");
        assertRejects(() -> TimeGrid.uniformLogSnr(new VpSde(), 0.5, 0.6, 5), "end = 0.6");
        assertRejects(() -> TimeGrid.Spacing.edm(-1), "rho");
    }
}
