package io.github.scoresde.samplers.probe;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.oracle.*;
import io.github.scoresde.samplers.*;
import io.github.scoresde.sde.*;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class FastProbe {
    @Test
    void probe() {
        int n = Integer.getInteger("probe.n", 4000);
        for (String name : new String[] {"eight", "gmm"}) {
            GaussianMixture mix = name.equals("eight") ? GaussianMixture.eightGaussians() : GaussianMixture.gmm64();
            MixtureQuality.Floor floor = MixtureQuality.floor(mix, n, 4);
            INDArray ref = MixtureQuality.reference(mix, n);
            System.out.printf("%s floor %.4f sd %.4f%n", name, floor.slicedWassersteinMean(), floor.slicedWassersteinSd());
            for (Sde sde : new Sde[] {new VpSde(), new SubVpSde(), new VeSde(0.01, mix.dimension() == 2 ? 10 : 50)}) {
                ExactMixtureScore score = new ExactMixtureScore(mix, sde);
                INDArray latent = sde.priorSample(RandomSource.of(7).stream(0), 0, n, score.sampleShape()).castTo(DataType.DOUBLE);
                long t0 = System.nanoTime();
                SamplingResult tight = ProbabilityFlowSampler.builder().tolerances(1e-8, 1e-8).dataType(DataType.DOUBLE).build()
                        .sampleFrom(sde, score, latent, RandomSource.of(1));
                double end = sde.defaultEndTime();
                INDArray tightX = new Denoiser(sde, score).denoise(tight.samples(), end);
                System.out.printf("  %s tight nfe %d (%.1fs) sw %.4f%n", sde.getClass().getSimpleName(), tight.scoreEvaluations(),
                        (System.nanoTime() - t0) / 1e9, SampleMetrics.slicedWasserstein1(tightX.castTo(DataType.FLOAT), ref));
                Sampler[] ss = {
                    DpmSolverSampler.secondOrder(10), DpmSolverSampler.secondOrder(15), DpmSolverSampler.secondOrder(20), DpmSolverSampler.secondOrder(35),
                    DpmSolverSampler.builder().steps(20).spacing(TimeGrid.Spacing.edm(7)).build(),
                    DpmSolverSampler.builder().steps(20).spacing(TimeGrid.Spacing.uniformTime()).build(),
                    EdmHeunSampler.deterministic(10), EdmHeunSampler.deterministic(18), EdmHeunSampler.deterministic(50),
                    EdmHeunSampler.builder().steps(18).churn(10).build(),
                    DdimSampler.of(20, 0), DdimSampler.of(50, 0), DdimSampler.of(50, 1)};
                for (Sampler s : ss) {
                    SamplingResult r = s.sampleFrom(sde, score, latent, RandomSource.of(3));
                    INDArray x = r.samples().castTo(DataType.FLOAT);
                    System.out.printf("    %-90s nfe %3d sw %.4f toTight %.4f%n", s, r.scoreEvaluations(),
                            SampleMetrics.slicedWasserstein1(x, ref), SampleMetrics.slicedWasserstein1(x, tightX.castTo(DataType.FLOAT)));
                }
            }
        }
    }
}
