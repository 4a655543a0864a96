package io.github.scoresde.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.nn.LossReduction;
import io.github.scoresde.nn.NetworkScoreFunction;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.DenoisingBatch;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The loss against the exact mixture score. Denoising and explicit score matching differ by a
 * constant (Vincent 2011): DSM(s_theta) = DSM(true score) + c E[lambda |s_theta - grad log p_t|^2],
 * so the exact score sits at the irreducible minimum and a perturbed model pays exactly its
 * explicit score-matching error. Checked by Monte Carlo with 20,000 draws, tolerance 5 standard
 * errors of the paired difference.
 */
class DenoisingScoreMatchingTest {
    private static final GaussianMixture MIX = GaussianMixture.eightGaussians();

    @Test
    void exactScoreIsAtTheIrreducibleMinimumAndPerturbationsPayTheirExplicitError() {
        Sde sde = new VpSde();
        ExactMixtureScore exact = new ExactMixtureScore(MIX, sde);
        int n = 20_000;
        INDArray x0 = MIX.sample(n, RandomSource.of(1)).castTo(DataType.DOUBLE);
        INDArray z = RandomSource.of(2).gaussian(DataType.DOUBLE, 0, n, 2);
        double[] t = new double[n];
        double[] lambda = new double[n];
        RandomSource u = RandomSource.of(3);
        for (int i = 0; i < n; i++) {
            t[i] = 0.01 + 0.99 * u.uniform(i, 0);
            double s = sde.marginalStd(t[i]);
            lambda[i] = s * s;
        }
        // a perturbed model: the exact score plus a constant shift of 0.3 / s(t) in x
        ScoreFunction shifted = new ScoreFunction() {
            @Override
            public long[] sampleShape() {
                return new long[] {2};
            }

            @Override
            public INDArray score(INDArray x, INDArray tt) {
                INDArray sc = exact.score(x, tt);
                double[] tv = tt.toDoubleVector();
                for (int i = 0; i < tv.length; i++) {
                    sc.putScalar(i, 0, sc.getDouble(i, 0) + 0.3 / sde.marginalStd(tv[i]));
                }
                return sc;
            }
        };
        double[] lExact = DenoisingScoreMatching.perExample(exact, sde, x0, t, z, lambda, LossReduction.HALF_SUM);
        double[] lShift = DenoisingScoreMatching.perExample(shifted, sde, x0, t, z, lambda, LossReduction.HALF_SUM);
        double meanExact = 0;
        double meanDiff = 0;
        for (int i = 0; i < n; i++) {
            meanExact += lExact[i] / n;
            meanDiff += (lShift[i] - lExact[i]) / n;
        }
        double var = 0;
        for (int i = 0; i < n; i++) {
            double d = lShift[i] - lExact[i] - meanDiff;
            var += d * d / (n - 1);
        }
        // explicit error: c lambda |0.3 / s|^2 = 0.5 * 0.09 for every example
        assertEquals(0.045, meanDiff, 5 * Math.sqrt(var / n) + 1e-9);
        assertTrue(meanExact > 0 && meanExact < 1.0, "irreducible minimum " + meanExact);
    }

    /** A small network (two layers of 16) for the batch tests. */
    private static MlpScoreNetwork smallNetwork() {
        return MlpScoreNetwork.create(MlpConfig.builder(2).seed(3).layers(16, 2).build());
    }

    /** The batch tests' preprocessor: marginal-variance weighting, eps 1e-3, seed 4. */
    private static DenoisingScoreMatchingPreProcessor preprocessor(Sde sde, MlpScoreNetwork net) {
        return new DenoisingScoreMatchingPreProcessor(sde, net.sampleShape(), LossWeighting.marginalVariance(), 1e-3,
                RandomSource.of(4));
    }

    @Test
    void perturbedBatchIsTheFormulaInFloat32() {
        Sde sde = new VpSde();
        MlpScoreNetwork net = smallNetwork();
        DenoisingScoreMatchingPreProcessor pre = preprocessor(sde, net);
        INDArray x0 = MIX.sample(64, RandomSource.of(5)).castTo(DataType.DOUBLE);
        DenoisingBatch batch = pre.perturb(x0, 7);
        // the same draws: t, w from stream 0, z from stream 1 of batch 7
        RandomSource r = RandomSource.of(4).stream(7);
        double[] t = new double[64];
        double[] w = new double[64];
        double[] m = new double[64];
        double[] s = new double[64];
        LossWeighting.marginalVariance().sampler(sde, 1e-3).draw(r.stream(0), sde, t, w, m, s);
        INDArray z = r.stream(1).gaussian(DataType.FLOAT, 0, 64, 2);
        // x_t = m x0 + s z with float32 ND4J ops, and the features of x_t at float32 times
        INDArray mv = org.nd4j.linalg.factory.Nd4j.createFromArray(m).castTo(DataType.FLOAT).reshape(64, 1);
        INDArray sv = org.nd4j.linalg.factory.Nd4j.createFromArray(s).castTo(DataType.FLOAT).reshape(64, 1);
        INDArray xt = x0.castTo(DataType.FLOAT).mulColumnVector(mv).addi(z.mulColumnVector(sv));
        INDArray tf = org.nd4j.linalg.factory.Nd4j.createFromArray(t).castTo(DataType.FLOAT);
        assertEquals(xt, batch.perturbed());
        assertEquals(tf, batch.times());
        assertEquals(z.neg(), batch.target());
        assertEquals(org.nd4j.linalg.factory.Nd4j.createFromArray(w).castTo(DataType.FLOAT), batch.weight());
        // the MLP's own DL4J batch: [x_t, emb(t)] and [target | weight]
        DataSet ds = net.trainingBatch(batch);
        assertEquals(net.features(xt, tf), ds.getFeatures());
        assertEquals(z.neg(), ds.getLabels().getColumns(0, 1));
        assertEquals(batch.weight(), ds.getLabels().getColumn(2));
        // and the batch survives its DL4J form
        DenoisingBatch back = DenoisingBatch.of(batch.toMultiDataSet());
        assertEquals(batch.perturbed(), back.perturbed());
        assertEquals(batch.times(), back.times());
        assertEquals(batch.weight(), back.weight());
        // and the helper the classifier uses
        assertEquals(xt, DenoisingScoreMatchingPreProcessor.perturb(x0, m, s, z));
    }

    @Test
    void dl4jLossEqualsTheFormulaForTheNetworkScore() {
        Sde sde = new VpSde();
        MlpScoreNetwork net = smallNetwork();
        DenoisingScoreMatchingPreProcessor pre = preprocessor(sde, net);
        INDArray x0 = MIX.sample(64, RandomSource.of(5));
        DenoisingBatch batch = pre.perturb(x0, 7);
        double dl4j = net.loss(batch.toMultiDataSet());
        // rebuild t and z from the batch: the target is -z; t from the same stream
        INDArray z = batch.target().neg();
        double[] t = new double[64];
        double[] w = new double[64];
        LossWeighting.marginalVariance().sampler(sde, 1e-3).draw(RandomSource.of(4).stream(7).stream(0), t, w);
        double[] lambda = new double[64];
        for (int i = 0; i < 64; i++) {
            double s = sde.marginalStd(t[i]);
            lambda[i] = s * s;
        }
        NetworkScoreFunction score = new NetworkScoreFunction(net, Parameterization.DIVIDE_BY_MARGINAL_STD, sde::marginalStd, 1);
        double[] per = DenoisingScoreMatching.perExample(score, sde, x0, t, z, lambda, LossReduction.HALF_SUM);
        double mean = 0;
        for (double v : per) {
            mean += v / per.length;
        }
        assertEquals(mean, dl4j, 1e-4 * Math.max(1, mean));
    }

    @Test
    void likelihoodImportanceSamplingKeepsTheExpectedWeight() {
        Sde sde = new VpSde();
        int n = 200_000;
        double[] t = new double[n];
        double[] w = new double[n];
        LossWeighting.likelihood(true).sampler(sde, 1e-3).draw(RandomSource.of(6), t, w);
        double[] tu = new double[n];
        double[] wu = new double[n];
        LossWeighting.likelihood(false).sampler(sde, 1e-3).draw(RandomSource.of(7), tu, wu);
        double meanU = 0;
        double meanT = 0;
        double meanTu = 0;
        for (int i = 0; i < n; i++) {
            meanU += wu[i] / n;
            meanT += t[i] / n;
            meanTu += tu[i] * wu[i] / n;
        }
        // E_q[const] = E_U[w(t)]: the importance weight is that constant
        assertEquals(meanU, w[0], 0.02 * meanU);
        // E_q[t] = E_U[t w(t)] / E_U[w(t)]
        assertEquals(meanTu / meanU, meanT, 0.02);
        for (int i = 0; i < n; i++) {
            assertTrue(t[i] >= 1e-3 && t[i] <= 1.0);
        }
    }
}
