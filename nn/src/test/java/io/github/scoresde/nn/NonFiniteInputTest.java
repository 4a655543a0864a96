package io.github.scoresde.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The documented behaviour for non-finite inputs (ScoreFunction's javadoc): a NaN in one example
 * gives a non-finite score in that example and leaves the others' unchanged, for both networks.
 */
class NonFiniteInputTest {

    private static void check(ScoreNetwork net, INDArray x) {
        NetworkScoreFunction score = new NetworkScoreFunction(net, Parameterization.DIVIDE_BY_MARGINAL_STD,
                t -> 0.5 + t, 1.0);
        INDArray t = Nd4j.createFromArray(0.3f, 0.3f);
        INDArray clean = score.score(x, t);
        INDArray broken = x.dup();
        broken.get(NDArrayIndex.point(1)).putScalar(0, Float.NaN);
        INDArray s = score.score(broken, t);
        INDArray row0 = s.get(NDArrayIndex.point(0));
        INDArray row1 = s.get(NDArrayIndex.point(1));
        assertEquals(0, row0.distance2(clean.get(NDArrayIndex.point(0))), 0, "example 0 unchanged");
        assertTrue(!Double.isFinite(row1.sumNumber().doubleValue()), "example 1 not finite");
    }

    @Test
    void aNaNStaysInItsExample() {
        check(MlpScoreNetwork.create(MlpConfig.builder(3).layers(8, 2).seed(7).build()),
                RandomSource.of(1).gaussian(DataType.FLOAT, 0, 2, 3));
        check(UNetScoreNetwork.create(UNetConfig.builder(1, 8, 8).channels(4, 8).groups(2, 4).embedding(8).build()),
                RandomSource.of(2).gaussian(DataType.FLOAT, 0, 2, 1, 8, 8));
    }
}
