package io.github.scoresde.training;

import io.github.scoresde.core.Checks;
import io.github.scoresde.nn.NetworkScoreFunction;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.ScoreNetwork;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.data.DataScaler;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained score model as it is saved and used: the network (with the weights to sample with,
 * normally the EMA), the SDE it was trained for, the output parameterisation and the data scaler.
 * {@link #save} writes everything to one file, so a loaded model samples with no other
 * configuration.
 *
 * @param network the network
 * @param sde the SDE
 * @param parameterization how the network's output becomes a score
 * @param scaler the map between data space and the model's space
 */
public record TrainedModel(ScoreNetwork network, Sde sde, Parameterization parameterization, DataScaler scaler) {

    /** Validates the parts. */
    public TrainedModel {
        Checks.notNull("network", network);
        Checks.notNull("sde", sde);
        Checks.notNull("parameterization", parameterization);
        Checks.notNull("scaler", scaler);
    }

    /** The score model (in the model's space) for samplers and likelihoods. */
    public NetworkScoreFunction score() {
        return new NetworkScoreFunction(network, parameterization, sde::meanCoefficient, sde::marginalStd,
                sde.horizon(), sde.spec());
    }

    /** Maps samples from the model's space back to data units. */
    public INDArray toData(INDArray modelSpace) {
        return scaler.inverse(modelSpace);
    }

    /** Maps data into the model's space. */
    public INDArray toModel(INDArray data) {
        return scaler.transform(data);
    }

    /**
     * Writes the model to one file (atomically).
     *
     * @throws IllegalArgumentException when the network is of a kind the model files cannot hold yet
     *     (format version 1 holds {@link io.github.scoresde.nn.MlpScoreNetwork})
     */
    public void save(Path file) {
        ModelFiles.save(this, file);
    }

    /**
     * Reads a model written by {@link #save}.
     *
     * @throws IllegalArgumentException naming what is wrong with the file
     */
    public static TrainedModel load(Path file) {
        return ModelFiles.load(file);
    }
}
