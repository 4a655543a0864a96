package io.github.scoresde.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image example on the shipped model, with few steps; and its message without a model. */
class FashionMnistExampleTest {

    @Test
    void samplesTheShippedModel(@TempDir Path dir) {
        Path shipped = Path.of("..", FashionMnistExample.SHIPPED);
        assertTrue(Files.exists(shipped), "the shipped model is in the checkout");
        FashionMnistExample.Result r = FashionMnistExample.run(new FashionMnistExample.Options(shipped, 0, null, 4,
                10, 1, dir.resolve("grid.png")));
        assertArrayEquals(new long[] {4, 1, 28, 28}, r.pixels().shape());
        assertTrue(Files.exists(dir.resolve("grid.png")));
        // samples come back in pixel units: mostly within [0, 1] (a few overshoot before the grid clamps)
        double mean = r.pixels().meanNumber().doubleValue();
        assertTrue(mean > 0 && mean < 1, "mean pixel " + mean);
    }

    @Test
    void aMissingModelSaysWhereTheShippedOneIs(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnistExample.run(
                new FashionMnistExample.Options(dir.resolve("none.zip"), 0, null, 4, 10, 1, dir.resolve("g.png"))));
        assertTrue(e.getMessage().contains("no such file") && e.getMessage().contains("--train-steps"),
                e.getMessage());
        assertEquals(false, Files.exists(dir.resolve("g.png")));
    }

    /** The training mode, two steps, where Fashion-MNIST is installed (apt-get install dataset-fashion-mnist). */
    @Test
    void trainsOnFashionMnistWhenInstalled(@TempDir Path dir) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(FashionMnistExample.FASHION_MNIST),
                "skipped: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        Path model = dir.resolve("m.zip");
        FashionMnistExample.Result r = FashionMnistExample.run(new FashionMnistExample.Options(null, 2, model, 2, 3,
                1, dir.resolve("g.png")));
        assertArrayEquals(new long[] {2, 1, 28, 28}, r.pixels().shape());
        assertTrue(Files.exists(model));
    }
}
