package io.github.scoresde.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example's run(...) with tiny settings writes its picture and reports sane figures. */
class ExamplesTest {

    @Test
    void samplerGalleryHasAPanelPerSamplerAndSde(@TempDir Path dir) {
        SamplerGalleryExample.Result r = SamplerGalleryExample.run(
                new SamplerGalleryExample.Options(200, 100, 1, dir.resolve("g.png")));
        assertTrue(Files.exists(r.image()));
        // VP and VE have 4 samplers (with ancestral), sub-VP 3
        assertEquals(11, r.panels().size());
        for (SamplerGalleryExample.Panel p : r.panels()) {
            assertTrue(p.nfe() > 0 && p.slicedWasserstein() < 1.0, p.toString());
        }
    }

    @Test
    void likelihoodMapComparesModelAndExactDensities(@TempDir Path dir) {
        LikelihoodMapExample.Result r = LikelihoodMapExample.run(
                new LikelihoodMapExample.Options(null, 5, 4, 20, 0, dir.resolve("l.png")));
        assertTrue(Files.exists(r.image()));
        assertTrue(Double.isFinite(r.modelNll()) && Double.isFinite(r.exactNll()));
        // an untrained model is far worse than the truth
        assertTrue(r.modelNll() > r.exactNll(), r.modelNll() + " vs " + r.exactNll());
    }

    @Test
    void controllableGenerationLandsWhereAsked(@TempDir Path dir) {
        ControllableGenerationExample.Result r = ControllableGenerationExample.run(
                new ControllableGenerationExample.Options(2, 1.0, 100, 200, 0, dir.resolve("c.png")));
        assertTrue(Files.exists(r.image()));
        // class 2 is the centre (0, 2)
        assertEquals(2, r.guided().getColumn(1).meanNumber().doubleValue(), 0.1);
        assertEquals(0, r.inpainted().getColumn(0).maxNumber().doubleValue(), 0.01);
        // the decoded path starts and ends at the encoded points
        assertEquals(2, r.path().getDouble(0, 0), 0.01);
        assertEquals(0, r.path().getDouble(0, 1), 0.01);
        assertEquals(-Math.sqrt(2), r.path().getDouble(39, 0), 0.01);
    }

    @Test
    void quickstartWithTinySettingsWritesItsPicture(@TempDir Path dir) {
        Path png = dir.resolve("q.png");
        Path model = dir.resolve("q.zip");
        QuickstartExample.Result r = QuickstartExample.run(new QuickstartExample.Options(5, 32, 20, 25, 0, png, model));
        assertTrue(Files.exists(png) && Files.exists(model));
        assertEquals(5, r.losses().length);
        assertArrayEquals(new long[] {20, 2}, r.samples().shape());
    }
}
