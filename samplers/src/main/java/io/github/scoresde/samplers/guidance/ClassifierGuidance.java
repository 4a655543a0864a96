package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NoisyClassifier;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.sde.Sde;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Class-conditional sampling by classifier guidance (docs/math.md section 9): the sampler uses
 * s(x, t) + w grad_x log p_t(y | x) with a time-dependent classifier p_t(y | x) and a guidance
 * weight w &gt;= 0 (w = 1 is Bayes' rule for p_t(x | y); larger w sharpens towards the class).
 * One label for every sample, or one per sample index.
 */
public final class ClassifierGuidance implements Conditioning {
    private final NoisyClassifier classifier;
    private final int[] labels;
    private final double weight;

    private ClassifierGuidance(NoisyClassifier classifier, int[] labels, double weight) {
        this.classifier = Checks.notNull("classifier", classifier);
        Checks.notNull("labels", labels);
        Labels.weight(weight);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classifier.classes()) {
                throw new IllegalArgumentException("labels must lie in [0, " + classifier.classes() + "); got "
                        + labels[i] + (labels.length > 1 ? " at index " + i : ""));
            }
        }
        this.labels = labels.clone();
        this.weight = weight;
    }

    /** Every sample of class {@code label}. */
    public static ClassifierGuidance of(NoisyClassifier classifier, int label, double weight) {
        return new ClassifierGuidance(classifier, new int[] {label}, weight);
    }

    /** Sample i of class {@code labels[i]}. */
    public static ClassifierGuidance perSample(NoisyClassifier classifier, int[] labels, double weight) {
        return new ClassifierGuidance(classifier, labels, weight);
    }

    @Override
    public ScoreFunction score(ScoreFunction score, Sde sde, long firstIndex, int rows) {
        if (!Arrays.equals(score.sampleShape(), classifier.sampleShape())) {
            throw new IllegalArgumentException("the classifier's sample shape " + Arrays.toString(classifier.sampleShape())
                    + " does not match the score's " + Arrays.toString(score.sampleShape()));
        }
        int[] y = Labels.of(labels, firstIndex, rows);
        return new ScoreFunction() {
            @Override
            public long[] sampleShape() {
                return score.sampleShape();
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                INDArray s = score.score(x, t);
                if (weight == 0) {
                    return s;
                }
                int[] yy = y.length == x.size(0) ? y : Arrays.copyOf(y, (int) x.size(0));
                return s.addi(classifier.logProbabilityGradient(x, t, yy).castTo(s.dataType()).muli(weight));
            }
        };
    }

    @Override
    public String toString() {
        return "ClassifierGuidance[weight=" + weight + ", labels=" + (labels.length == 1 ? labels[0] : labels.length
                + " per sample") + "]";
    }
}
