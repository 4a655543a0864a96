package io.github.scoresde.training.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class FeatureClassifierTest {

    @Test
    void learnsTheBarsAndGivesFeaturesAndHistograms() {
        ImageSet bars = ImageTrainingTest.bars();
        FeatureClassifier c = FeatureClassifier.train(bars, 60, 1);
        assertEquals(1.0, c.accuracy(bars), 0);
        INDArray x = ImageSource.of(bars).range(0, 8, RandomSource.of(0));
        assertArrayEquals(new long[] {8, FeatureClassifier.FEATURES}, c.features(x).shape());
        // images 0..7 have labels 0, 1, 2, 3, 0, 1, 2, 3
        assertArrayEquals(new int[] {2, 2, 2, 2}, c.histogram(x));
        // features of one class lie closer together than to another class's: the FD sees classes
        INDArray f = c.features(ImageSource.of(bars).range(0, 16, RandomSource.of(0)));
        double same = f.getRow(0).distance2(f.getRow(4));
        double other = f.getRow(0).distance2(f.getRow(1));
        assertTrue(same < other, same + " vs " + other);
        assertThrows(IllegalArgumentException.class,
                () -> FeatureClassifier.train(new ImageSet("u", new byte[64], 1, 1, 8, 8, null), 1, 1));
    }
}
