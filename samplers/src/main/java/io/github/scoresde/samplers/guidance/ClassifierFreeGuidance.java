package io.github.scoresde.samplers.guidance;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.ConditionalScoreFunction;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.sde.Sde;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Classifier-free guidance (Ho and Salimans 2021): with a class-conditional score network trained
 * with label dropout, sample with (1 + w) s(x, t, y) - w s(x, t), w &gt;= 0 (w = 0 is plain
 * conditional sampling; larger w sharpens towards the class). The sampler's score must be a
 * {@link ConditionalScoreFunction} with classes. One label for every sample, or one per sample
 * index.
 */
public final class ClassifierFreeGuidance implements Conditioning {
    private final int[] labels;
    private final double weight;

    private ClassifierFreeGuidance(int[] labels, double weight) {
        Checks.notNull("labels", labels);
        Labels.weight(weight);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("labels must be non-negative; got " + labels[i]
                        + (labels.length > 1 ? " at index " + i : ""));
            }
        }
        this.labels = labels.clone();
        this.weight = weight;
    }

    /** Every sample of class {@code label}. */
    public static ClassifierFreeGuidance of(int label, double weight) {
        return new ClassifierFreeGuidance(new int[] {label}, weight);
    }

    /** Sample i of class {@code labels[i]}. */
    public static ClassifierFreeGuidance perSample(int[] labels, double weight) {
        return new ClassifierFreeGuidance(labels, weight);
    }

    @Override
    public ScoreFunction score(ScoreFunction score, Sde sde, long firstIndex, int rows) {
        if (!(score instanceof ConditionalScoreFunction cs) || cs.classes() < 2) {
            throw new IllegalArgumentException("classifier-free guidance needs a class-conditional score model "
                    + "(ConditionalScoreFunction with classes); got " + score);
        }
        int[] y = Labels.of(labels, firstIndex, rows);
        int[] none = new int[rows];
        Arrays.fill(none, -1);
        for (int label : y) {
            if (label >= cs.classes()) {
                throw new IllegalArgumentException("labels must lie in [0, " + cs.classes() + "); got " + label);
            }
        }
        return new ScoreFunction() {
            @Override
            public long[] sampleShape() {
                return cs.sampleShape();
            }

            @Override
            public INDArray score(INDArray x, INDArray t) {
                INDArray conditional = cs.score(x, t, y);
                if (weight == 0) {
                    return conditional;
                }
                return conditional.muli(1 + weight).subi(cs.score(x, t, none).muli(weight));
            }
        };
    }

    @Override
    public String toString() {
        return "ClassifierFreeGuidance[weight=" + weight + ", labels=" + (labels.length == 1 ? labels[0]
                : labels.length + " per sample") + "]";
    }
}
