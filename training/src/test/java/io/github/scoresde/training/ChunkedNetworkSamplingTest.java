package io.github.scoresde.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.nn.NetworkScoreFunction;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.samplers.Corrector;
import io.github.scoresde.samplers.LangevinCorrector;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VpSde;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What PredictorCorrectorSampler documents for chunks with a network: each score call agrees
 * with one batch's to float32 rounding, and the samples agree closely (the same in distribution;
 * long runs may amplify the rounding in a few samples).
 */
class ChunkedNetworkSamplingTest {

    @Test
    void chunksAgreeWithOneBatchToRounding() {
        Sde sde = new VpSde();
        MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.builder(2).layers(64, 3).seed(4).build());
        NetworkScoreFunction score = new NetworkScoreFunction(net, Parameterization.DIVIDE_BY_MARGINAL_STD,
                sde::marginalStd, sde.horizon());
        INDArray x = RandomSource.of(1).gaussian(DataType.FLOAT, 0, 256, 2);
        INDArray whole = score.score(x, 0.4);
        for (int from = 0; from < 256; from += 64) {
            INDArray part = score.score(x.get(NDArrayIndex.interval(from, from + 64), NDArrayIndex.all()), 0.4);
            INDArray same = whole.get(NDArrayIndex.interval(from, from + 64), NDArrayIndex.all());
            double rel = part.sub(same).norm2Number().doubleValue() / same.norm2Number().doubleValue();
            assertTrue(rel < 1e-5, "score call of chunk at " + from + ": relative difference " + rel);
        }
        for (PredictorCorrectorSampler.Builder b : new PredictorCorrectorSampler.Builder[] {
                PredictorCorrectorSampler.builder().corrector(Corrector.none()),
                PredictorCorrectorSampler.builder().corrector(
                        new LangevinCorrector(0.16, 1, LangevinCorrector.StepSizeNorm.PER_EXAMPLE))}) {
            INDArray one = b.steps(100).chunkSize(0).build().sample(sde, score, 256, 7).samples();
            INDArray chunked = b.steps(100).chunkSize(64).build().sample(sde, score, 256, 7).samples();
            double[] d = Transforms.abs(one.sub(chunked)).max(1).toDoubleVector();
            Arrays.sort(d);
            assertTrue(d[d.length / 2] < 1e-3, "median difference " + d[d.length / 2] + " (largest "
                    + d[d.length - 1] + ")");
        }
    }
}
