package io.github.scoresde.tools;

import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.samplers.guidance.Colorization;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;

/** {@code colorize}: colours in grey versions of colour images with a colour image model. */
@Command(name = "colorize", mixinStandardHelpOptions = true, description = "Colour in the grey version of colour images.")
public final class ColorizeCommand extends ImageCompletion {

    @Override
    Conditioning conditioning(INDArray modelImages, int height, int width) {
        if (modelImages.size(1) != 3) {
            throw new IllegalArgumentException("colorize needs a colour model (3 channels); " + model + " has "
                    + modelImages.size(1));
        }
        return Colorization.of(Colorization.grey(modelImages));
    }

    @Override
    INDArray shown(INDArray pixels) {
        return Colorization.grey(pixels).repeat(1, 3);
    }

    @Override
    INDArray measured(INDArray pixels) {
        return pixels.like().assign(1);
    }

    @Override
    String verb() {
        return "colorized";
    }
}
