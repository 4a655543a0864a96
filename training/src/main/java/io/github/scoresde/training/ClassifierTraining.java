package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.ConvClassifier;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.data.LabelledSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training of noise-conditional classifiers p_t(y | x) (docs/math.md section 9) on perturbed
 * labelled data: each step a batch of (x0, y), t drawn as the score's training draws it
 * (importance weights of the s(t)^2 weighting, from {@code timeFloor} to T), x_t = m(t) x0 + s(t) z,
 * and one optimiser step of the classifier. Step k's data, times and noise come from stream k of
 * the seed, so a run is reproducible.
 */
public final class ClassifierTraining {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifierTraining.class);

    private ClassifierTraining() {
    }

    /** One optimiser step on perturbed examples; returns the batch's loss. */
    @FunctionalInterface
    public interface Step {
        /**
         * @param xt perturbed examples {@code [n, sampleShape...]}
         * @param t their times {@code [n]}
         * @param labels their classes
         */
        double fit(INDArray xt, INDArray t, int[] labels);
    }

    /**
     * Trains a classifier through its {@code step}.
     *
     * @param sampleShape the shape of one example (the data's rows are reshaped to it)
     * @return the loss of every step
     * @throws TrainingDivergedException when a loss is not finite
     */
    public static double[] train(Step step, long[] sampleShape, Sde sde, LabelledSource data, int steps, int batchSize,
            double timeFloor, long seed) {
        Checks.notNull("step", step);
        Checks.notNull("sde", sde);
        Checks.notNull("data", data);
        Checks.positive("steps", steps);
        Checks.positive("batchSize", batchSize);
        long dimension = 1;
        for (long d : sampleShape) {
            dimension *= d;
        }
        long[] batchShape = io.github.scoresde.core.NdArrays.batchShape(batchSize, sampleShape);
        RandomSource rng = RandomSource.of(seed);
        LossWeighting.TimeSampler times = LossWeighting.marginalVariance().sampler(sde, timeFloor);
        double[] losses = new double[steps];
        for (int k = 0; k < steps; k++) {
            RandomSource r = rng.stream(k);
            LabelledSource.Labelled b = data.batch(batchSize, r.stream(0));
            double[] t = new double[batchSize];
            double[] w = new double[batchSize];
            double[] m = new double[batchSize];
            double[] s = new double[batchSize];
            times.draw(r.stream(1), sde, t, w, m, s);
            INDArray z = r.stream(2).gaussian(DataType.FLOAT, 0, batchSize, dimension);
            INDArray xt = DenoisingScoreMatchingPreProcessor.perturb(b.x().reshape(batchSize, dimension), m, s, z)
                    .reshape(batchShape);
            losses[k] = step.fit(xt, Nd4j.createFromArray(t).castTo(DataType.FLOAT), b.labels());
            if (!Double.isFinite(losses[k])) {
                throw new TrainingDivergedException(k, losses[k], null);
            }
        }
        LOG.info("trained the classifier for {} steps, final loss {}", steps, losses[steps - 1]);
        return losses;
    }

    /** Trains a {@link ConvClassifier} (see {@link #train(Step, long[], Sde, LabelledSource, int, int, double, long)}). */
    public static double[] train(ConvClassifier classifier, Sde sde, LabelledSource data, int steps, int batchSize,
            double timeFloor, long seed) {
        Checks.notNull("classifier", classifier);
        return train(classifier::fit, classifier.sampleShape(), sde, data, steps, batchSize, timeFloor, seed);
    }
}
