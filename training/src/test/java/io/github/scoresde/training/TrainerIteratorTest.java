package io.github.scoresde.training;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.DenoisingBatch;
import io.github.scoresde.nn.MlpConfig;
import io.github.scoresde.nn.MlpScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.SubVpSde;
import io.github.scoresde.sde.VpSde;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSourceIterator;
import io.github.scoresde.training.data.ToyData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Training on DL4J iterators, the serialisable preprocessor keyed by the global batch index, the EMA listener. */
class TrainerIteratorTest {

    private static MlpScoreNetwork small() {
        return TrainerTest.small();
    }

    private static Trainer.Settings settings(int steps) {
        return TrainerTest.settings(steps);
    }

    /**
     * A user's own iterator: 5 fixed batches of 40 checkerboard points (with labels, as DL4J's
     * iterators have; unconditional training ignores them), reset at the end of each epoch.
     */
    private static DataSetIterator userIterator() {
        List<DataSet> batches = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            batches.add(new DataSet(ToyData.CHECKERBOARD.source().batch(40, RandomSource.of(100 + k)),
                    org.nd4j.linalg.factory.Nd4j.zeros(40, 1)));
        }
        return new ListDataSetIterator<>(batches, 1);
    }

    @Test
    void aUsersIteratorTrainsAndResumesBitForBit(@TempDir Path dir) {
        Sde sde = new VpSde();
        // 12 steps over 5 batches: two resets of the user's iterator
        Trainer.Result straight = new Trainer(settings(12)).train(small(), sde, userIterator(), DataScaler.identity(2));
        assertEquals(12, straight.losses().length);
        for (double loss : straight.losses()) {
            assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
        }
        assertNotEquals(small().params(), straight.network().params());
        Path cp = dir.resolve("cp.zip");
        new Trainer(settings(7).toBuilder().checkpoints(7, cp).build()).train(small(), sde, userIterator(),
                DataScaler.identity(2));
        Trainer.Result resumed = new Trainer(settings(12)).resume(cp, userIterator());
        assertEquals(7, resumed.firstStep());
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        assertArrayEquals(straight.model().network().params().toFloatVector(),
                resumed.model().network().params().toFloatVector(), "EMA weights");
    }

    @Test
    void aMultiDataSetIteratorTrainsLikeTheDataSetIteratorItWraps() {
        Sde sde = new VpSde();
        Trainer.Result plain = new Trainer(settings(6)).train(small(), sde, userIterator(), DataScaler.identity(2));
        Trainer.Result multi = new Trainer(settings(6)).train(small(), sde,
                new org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter(userIterator()), DataScaler.identity(2));
        assertArrayEquals(plain.losses(), multi.losses());
        assertArrayEquals(plain.network().params().toFloatVector(), multi.network().params().toFloatVector());
    }

    @Test
    void aSourceTrainsLikeItsOwnIterator() {
        Sde sde = new SubVpSde();
        Trainer.Result viaSource = new Trainer(settings(4)).train(small(), sde, ToyData.MOONS.source(),
                DataScaler.identity(2));
        DataSetIterator it = DataSourceIterator.of(ToyData.MOONS.source(), 64, RandomSource.of(5).stream(1));
        Trainer.Result viaIterator = new Trainer(settings(4)).train(small(), sde, it, DataScaler.identity(2));
        assertArrayEquals(viaSource.losses(), viaIterator.losses());
        assertArrayEquals(viaSource.network().params().toFloatVector(), viaIterator.network().params().toFloatVector());
    }

    /**
     * The EMA folds in the weights after each step as a listener: after one step from w0 with the
     * warm-up decay d_0 = min(0.999, 1/10), ema = d_0 w0 + (1 - d_0) w1.
     */
    @Test
    void theEmaListenerFoldsInEachStep() {
        MlpScoreNetwork net = small();
        INDArray w0 = net.params().dup();
        Trainer.Result r = new Trainer(settings(1)).train(net, new VpSde(), ToyData.MOONS.source(),
                DataScaler.identity(2));
        INDArray w1 = r.network().params();
        INDArray expected = w0.mul(0.1).addi(w1.mul(0.9));
        INDArray ema = r.model().network().params();
        assertEquals(0, expected.sub(ema).norm2Number().doubleValue(), 1e-6 * expected.norm2Number().doubleValue());
    }

    /**
     * The preprocessor's noise is keyed by the global batch index, not by how many batches it has
     * seen, and survives Java serialisation (a distributed trainer ships it to its workers).
     */
    @Test
    void thePreprocessorIsSerialisableAndKeyedByTheGlobalBatchIndex() throws Exception {
        DenoisingScoreMatchingPreProcessor pre = new DenoisingScoreMatchingPreProcessor(new VpSde(), new long[] {2},
                LossWeighting.likelihood(true), 1e-3, RandomSource.of(4));
        INDArray x0 = ToyData.EIGHT_GAUSSIANS.source().batch(16, RandomSource.of(1));
        DenoisingBatch a = pre.perturb(x0, 41);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(pre);
        }
        DenoisingScoreMatchingPreProcessor copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (DenoisingScoreMatchingPreProcessor) in.readObject();
        }
        // another worker asked for batch 41 first, after batch 3: the same batch 41
        copy.perturb(x0, 3);
        DenoisingBatch b = copy.perturb(x0, 41);
        assertEquals(a.perturbed(), b.perturbed());
        assertEquals(a.times(), b.times());
        assertEquals(a.weight(), b.weight());
        assertNotEquals(a.perturbed(), pre.perturb(x0, 42).perturbed());
        assertRejects(() -> pre.perturb(x0.reshape(8, 4), 1), "x0 must have shape [batch, 2]");
    }

    @Test
    void labelledIteratorsTrainConditionalNetworksAndBadLayoutsAreRefused() {
        MlpScoreNetwork conditional = MlpScoreNetwork.create(MlpConfig.builder(2).seed(2).layers(16, 2).classes(8).build());
        Trainer.Result r = new Trainer(settings(2)).trainConditional(conditional, new VpSde(),
                io.github.scoresde.training.data.LabelledSource.mixtureComponents(
                        io.github.scoresde.oracle.GaussianMixture.eightGaussians()),
                DataScaler.identity(2), 0.2);
        assertEquals(2, r.losses().length);
        assertRejects(() -> small().fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {x()},
                new INDArray[] {x()})), "a denoising batch has features [x_t, t]");
        assertRejects(() -> new Trainer(settings(1)).train(small(), new VpSde(), ToyData.GMM_64.source(),
                DataScaler.identity(64)), "the data has 64 dimensions but the network 2");
    }

    private static INDArray x() {
        return RandomSource.of(1).gaussian(org.nd4j.linalg.api.buffer.DataType.FLOAT, 0, 4, 2);
    }
}
