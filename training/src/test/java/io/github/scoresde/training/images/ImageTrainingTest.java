package io.github.scoresde.training.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The trainer and the model files with a U-Net on tiny images. */
class ImageTrainingTest {

    /** 16 images of 8x8: a bright bar at a position given by the label (0..3). */
    static ImageSet bars() {
        int n = 16;
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
            for (int y = 0; y < 8; y++) {
                px[i * 64 + y * 8 + 2 * labels[i]] = (byte) 255;
                px[i * 64 + y * 8 + 2 * labels[i] + 1] = (byte) 200;
            }
        }
        return new ImageSet("bars", px, n, 1, 8, 8, labels);
    }

    static UNetScoreNetwork tinyNet() {
        return UNetScoreNetwork.create(UNetConfig.builder(1, 8, 8).channels(4, 8).groups(2, 4).embedding(8).seed(3)
                .build(), AdamSettings.builder().learningRate(1e-2).warmup(2).build());
    }

    static Trainer.Settings settings(int steps) {
        return Trainer.Settings.builder().steps(steps).seed(9).batchSize(8).logEvery(0).build();
    }

    @Test
    void aUNetTrainsOnImagesSavesAndResumesBitForBit(@TempDir Path dir) {
        Sde sde = new VeSde(0.01, 10);
        ImageSource data = ImageSource.of(bars()).dequantized(true).flipped(true);
        DataScaler scaler = DataScaler.range(64, 0, 1);
        Trainer.Result straight = new Trainer(settings(6)).train(tinyNet(), sde, data, scaler);
        Path cp = dir.resolve("cp.zip");
        Trainer.Result first = new Trainer(settings(4).toBuilder().checkpoints(0, cp).build()).train(tinyNet(), sde,
                data, scaler);
        Path model = dir.resolve("model.zip");
        first.save(model);
        Trainer.Result resumed = new Trainer(settings(6)).resume(model, data);
        assertEquals(4, resumed.firstStep());
        assertArrayEquals(straight.network().params().toFloatVector(), resumed.network().params().toFloatVector());
        assertArrayEquals(straight.model().network().params().toFloatVector(),
                resumed.model().network().params().toFloatVector(), "EMA weights");
        assertEquals(straight.losses()[5], resumed.losses()[1]);

        TrainedModel loaded = TrainedModel.load(model);
        assertTrue(loaded.network() instanceof UNetScoreNetwork);
        assertEquals(sde.spec(), loaded.sde().spec());
        INDArray x = RandomSource.of(2).gaussian(DataType.FLOAT, 0, 3, 1, 8, 8);
        INDArray t = Nd4j.createFromArray(0.1f, 0.5f, 0.9f);
        assertEquals(first.model().score().score(x, t), loaded.score().score(x, t));
        // samples come back in pixel units: model space [-1, 1] -> [0, 1]
        INDArray back = loaded.toData(Nd4j.ones(DataType.FLOAT, 2, 1, 8, 8));
        assertArrayEquals(new long[] {2, 1, 8, 8}, back.shape());
        assertEquals(1.0, back.getDouble(1, 0, 7, 7), 1e-6);
    }

    @Test
    void theLossFallsOnTheBars() {
        Sde sde = new VeSde(0.01, 10);
        Trainer.Result r = new Trainer(settings(60)).train(tinyNet(), sde, ImageSource.of(bars()),
                DataScaler.range(64, 0, 1));
        double early = mean(r.losses(), 0, 10);
        double late = mean(r.losses(), 50, 60);
        assertTrue(late < 0.8 * early, "mean loss of steps 0-9 " + early + ", of steps 50-59 " + late);
    }

    @Test
    void aClassConditionalUNetTrainsOnLabelledImages() {
        UNetScoreNetwork net = UNetScoreNetwork.create(UNetConfig.builder(1, 8, 8).channels(4, 8).groups(2, 4)
                .embedding(8).classes(4).seed(3).build(), AdamSettings.builder().learningRate(1e-2).build());
        Trainer.Result r = new Trainer(settings(5)).trainConditional(net, new VeSde(0.01, 10),
                ImageSource.of(bars()).labelled(), DataScaler.identity(64), 0.2);
        assertEquals(5, r.losses().length);
        INDArray x = RandomSource.of(4).gaussian(DataType.FLOAT, 0, 2, 1, 8, 8);
        INDArray t = Nd4j.createFromArray(0.5f, 0.5f);
        INDArray a = r.model().score().score(x, t, new int[] {0, 1});
        INDArray b = r.model().score().score(x, t, new int[] {3, 1});
        assertTrue(a.slice(0).distance2(b.slice(0)) > 0, "the label steers the score");
        assertEquals(0, a.slice(1).distance2(b.slice(1)), 0);
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }
}
