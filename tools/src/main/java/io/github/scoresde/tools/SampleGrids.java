package io.github.scoresde.tools;

import io.github.scoresde.samplers.Corrector;
import io.github.scoresde.samplers.PredictorCorrectorSampler;
import io.github.scoresde.samplers.Predictor;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.images.ImageGrid;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sample grids written while an image model trains: 36 Euler-Maruyama samples of 300 steps. */
final class SampleGrids {
    private static final Logger LOG = LoggerFactory.getLogger(SampleGrids.class);
    static final int COUNT = 36;
    static final int STEPS = 300;

    private SampleGrids() {
    }

    /** Samples the model (the same noise every time, so grids show the model changing) and writes the grid. */
    static void write(TrainedModel model, long step, long seed, Path file) {
        SamplingResult r = PredictorCorrectorSampler.builder().predictor(Predictor.eulerMaruyama())
                .corrector(Corrector.none()).steps(STEPS).build().sample(model.sde(), model.score(), COUNT, seed);
        ImageGrid.write(model.toData(r.samples()), 2, file);
        LOG.info("step {}: wrote {} samples to {}", step, COUNT, file);
    }
}
