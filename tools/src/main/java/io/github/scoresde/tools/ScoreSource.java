package io.github.scoresde.tools;

import io.github.scoresde.examples.SdeChoice;
import io.github.scoresde.examples.Workloads;

import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.ScoreFunction;
import io.github.scoresde.oracle.ExactMixtureScore;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.TrainedModel;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The CLI's score options as a picocli mixin. The choice of score: a trained model file ({@code --model model.zip}, which carries its own
 * SDE and data scaler) or an exact mixture score ({@code --score exact:eight-gaussians} with
 * {@code --sde}). Resolved into the SDE, the score and the maps between data and model space.
 */
public final class ScoreSource {
    /** The mutually exclusive options. */
    static final class Choice {
        @Option(names = "--model", description = "a model file written by 'train'")
        Path model;

        @Option(names = "--score", description = "exact:<eight-gaussians|gmm-64>: the exact score of a mixture")
        String score;
    }

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Score (exactly one):%n")
    Choice choice;

    @Option(names = "--sde", description = "SDE for an exact score: ${COMPLETION-CANDIDATES} (default: the model's, "
            + "or vp)", completionCandidates = SdeChoice.Names.class, converter = SdeChoice.Converter.class)
    SdeChoice sde;

    @picocli.CommandLine.Mixin
    VeOptions ve;

    /** What the options resolve to. */
    record Resolved(Sde sde, ScoreFunction score, TrainedModel model, GaussianMixture mixture) {
        /** Model space to data space (identity for exact scores). */
        INDArray toData(INDArray x) {
            return model == null ? x : model.toData(x);
        }

        /** Data space to model space. */
        INDArray toModel(INDArray x) {
            return model == null ? x : model.toModel(x);
        }

        /** The data dimension. */
        int dimension() {
            return (int) score.sampleSize();
        }
    }

    Resolved resolve() {
        if (choice.model != null) {
            TrainedModel m = TrainedModel.load(choice.model);
            if (sde != null && !sde.create((int) m.network().sampleSize()).getClass().equals(m.sde().getClass())) {
                throw new IllegalArgumentException("--sde " + sde.cliName() + " does not match the model's SDE "
                        + m.sde() + "; leave --sde out to use the model's");
            }
            if (ve.given()) {
                throw new IllegalArgumentException("--sigma-max and --ve-kernel choose an exact score's SDE; the "
                        + "model's is recorded in " + choice.model + " (" + m.sde() + ")");
            }
            return new Resolved(m.sde(), m.score(), m, null);
        }
        String s = choice.score;
        if (!s.startsWith("exact:")) {
            throw new IllegalArgumentException("--score must be exact:<name> with name one of "
                    + Workloads.MIXTURES.keySet() + "; got \"" + s + "\"");
        }
        GaussianMixture mix = Workloads.mixture(s.substring("exact:".length()));
        Sde chosen = ve.create(sde == null ? SdeChoice.VP : sde, mix.dimension());
        return new Resolved(chosen, new ExactMixtureScore(mix, chosen), null, mix);
    }
}
