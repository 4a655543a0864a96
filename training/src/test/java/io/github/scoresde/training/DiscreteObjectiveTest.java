package io.github.scoresde.training;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.ToyData;
import io.github.scoresde.training.data.ToyDatasets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The discrete SMLD and DDPM objectives draw their levels and perturb with the discrete schedules. */
class DiscreteObjectiveTest {

    @Test
    void ddpmPerturbsWithAlphaBarsAndUsesEveryStep() {
        VpSde vp = new VpSde();
        int n = 5000;
        double[] t = new double[n];
        double[] w = new double[n];
        double[] m = new double[n];
        double[] s = new double[n];
        LossWeighting.discreteDdpm(10).sampler(vp, 1e-5).draw(RandomSource.of(1), vp, t, w, m, s);
        double[] ab = vp.alphaBars(10);
        Set<Integer> seen = new HashSet<>();
        for (int k = 0; k < n; k++) {
            int i = (int) Math.round(t[k] * 10) - 1;
            seen.add(i);
            assertEquals(Math.sqrt(ab[i]), m[k], 1e-15);
            assertEquals(Math.sqrt(1 - ab[i]), s[k], 1e-15);
            assertEquals(1, w[k]);
        }
        assertEquals(10, seen.size());
    }

    @Test
    void smldPerturbsWithTheNoiseLevelsAtTheirTimes() {
        VeSde ve = new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION);
        int n = 2000;
        double[] t = new double[n];
        double[] w = new double[n];
        double[] m = new double[n];
        double[] s = new double[n];
        LossWeighting.discreteSmld(20).sampler(ve, 1e-5).draw(RandomSource.of(2), ve, t, w, m, s);
        for (int k = 0; k < n; k++) {
            assertEquals(1, m[k]);
            assertEquals(ve.sigma(t[k]), s[k], 1e-12 * s[k]);
            assertEquals(ve.marginalStd(t[k]), s[k], 1e-12 * s[k]);
        }
    }

    @Test
    void bothTrainThroughTheTrainerAndRejectTheWrongSde() {
        MlpConfig c = MlpConfig.builder(2).seed(1).layers(16, 1).build();
        Trainer.Result ddpm = new Trainer(Trainer.Settings.builder().steps(5).batchSize(32)
                .weighting(LossWeighting.discreteDdpm(1000)).build()).train(MlpScoreNetwork.create(c), new VpSde(),
                        ToyData.MOONS.source(), DataScaler.identity(2));
        Trainer.Result smld = new Trainer(Trainer.Settings.builder().steps(5).batchSize(32)
                .weighting(LossWeighting.discreteSmld(10)).build()).train(MlpScoreNetwork.create(c),
                        new VeSde(0.01, 10, VeSde.Kernel.SIGMA_APPROXIMATION), ToyData.MOONS.source(),
                        DataScaler.identity(2));
        assertTrue(Double.isFinite(ddpm.losses()[4]) && Double.isFinite(smld.losses()[4]));
        assertRejects(() -> new Trainer(Trainer.Settings.builder().steps(1).weighting(LossWeighting.discreteSmld(10)).build())
                .train(MlpScoreNetwork.create(c), new VpSde(), ToyData.MOONS.source(), DataScaler.identity(2)),
                "discrete SMLD objective needs a VeSde; got VpSde");
        assertRejects(() -> LossWeighting.discreteDdpm(0), "levels must be positive");
    }
}
