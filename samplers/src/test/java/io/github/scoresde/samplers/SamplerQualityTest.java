package io.github.scoresde.samplers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.oracle.MixtureQuality;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.sde.VpSde;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every sampler against exact draws with the exact mixture score, no training (the fast version
 * of B3; the full 10,000-sample grid is {@code SamplerQualityExperiment}, tagged slow).
 *
 * <p>Tolerances, stated: with 4,000 samples (eight-gaussians) or 2,000 (gmm-64) and 1,000 steps,
 * the sliced Wasserstein-1 to 4,000 / 2,000 exact draws must be at most 2.5 times the floor's mean
 * (the same metric between independent exact sets, 4 pairs), 3.5 times for the Langevin
 * predictor-corrector sampler (its snr of 0.16 biases the spread, as in the paper), and the
 * mode-weight error at most 0.03 (eight-gaussians) or 0.04 (gmm-64), 3 to 5 binomial standard
 * errors. A sampler with a wrong sign or a factor 2 in g^2 lands several times further away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamplerQualityTest {
    private static final Logger LOG = LoggerFactory.getLogger(SamplerQualityTest.class);
    private static final GaussianMixture EIGHT = GaussianMixture.eightGaussians();
    private static final GaussianMixture GMM64 = GaussianMixture.gmm64();
    private MixtureQuality.Floor eightFloor;
    private MixtureQuality.Floor gmmFloor;
    private INDArray eightRef;
    private INDArray gmmRef;

    @BeforeAll
    void floors() {
        eightFloor = MixtureQuality.floor(EIGHT, 4000, 4);
        gmmFloor = MixtureQuality.floor(GMM64, 2000, 4);
        eightRef = MixtureQuality.reference(EIGHT, 4000);
        gmmRef = MixtureQuality.reference(GMM64, 2000);
        LOG.info("floors: eight-gaussians {}, gmm-64 {}", eightFloor, gmmFloor);
    }

    static Stream<Arguments> eightGaussianCases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Sde sde : new Sde[] {new VpSde(), new SubVpSde(), new VeSde()}) {
            b.add(Arguments.of(sde, "euler-maruyama", PredictorCorrectorSampler.eulerMaruyama(1000), 2.5));
            b.add(Arguments.of(sde, "pc", PredictorCorrectorSampler.reverseDiffusionLangevin(1000, 0.16), 3.5));
            if (!(sde instanceof SubVpSde)) {
                b.add(Arguments.of(sde, "ancestral", PredictorCorrectorSampler.ancestral(1000), 2.5));
            }
            b.add(Arguments.of(sde, "ode", ProbabilityFlowSampler.create(), 2.5));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{1} under {0}")
    @MethodSource("eightGaussianCases")
    void eightGaussiansMatchExactDraws(Sde sde, String name, Sampler sampler, double multiple) {
        check(EIGHT, eightRef, eightFloor, sde, name, sampler, multiple, 0.03);
    }

    static Stream<Arguments> gmmCases() {
        return Stream.of(
                Arguments.of(new VpSde(), "euler-maruyama", PredictorCorrectorSampler.eulerMaruyama(1000), 2.5),
                Arguments.of(new VeSde(0.01, 50), "ancestral", PredictorCorrectorSampler.ancestral(1000), 2.5),
                Arguments.of(new SubVpSde(), "pc", PredictorCorrectorSampler.reverseDiffusionLangevin(500, 0.16), 3.5),
                Arguments.of(new VpSde(), "ode", ProbabilityFlowSampler.create(), 2.5));
    }

    @ParameterizedTest(name = "{1} under {0}")
    @MethodSource("gmmCases")
    void gmm64MatchesExactDraws(Sde sde, String name, Sampler sampler, double multiple) {
        check(GMM64, gmmRef, gmmFloor, sde, name, sampler, multiple, 0.04);
    }

    private static void check(GaussianMixture mix, INDArray ref, MixtureQuality.Floor floor, Sde sde, String name,
            Sampler sampler, double multiple, double modeBound) {
        SamplingResult r = sampler.sample(sde, new ExactMixtureScore(mix, sde), (int) ref.size(0), 7);
        MixtureQuality.Figures q = MixtureQuality.measure(r.samples(), ref, mix);
        LOG.info("{} under {}: sliced W1 {} (floor {}), mode error {}, NFE {}, {} s", name, sde,
                q.slicedWasserstein(), floor.slicedWassersteinMean(), q.modeWeightError(), r.scoreEvaluations(),
                r.elapsed().toMillis() / 1000.0);
        assertTrue(q.slicedWasserstein() <= multiple * floor.slicedWassersteinMean(),
                name + ": sliced W1 " + q.slicedWasserstein() + " > " + multiple + " x floor "
                        + floor.slicedWassersteinMean());
        assertTrue(q.modeWeightError() <= modeBound, name + ": mode-weight error " + q.modeWeightError());
    }
}
