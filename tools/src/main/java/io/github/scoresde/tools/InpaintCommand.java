package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.samplers.guidance.Inpainting;
import io.github.scoresde.training.images.ImageMasks;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code inpaint}: completes the hidden pixels of images with an image model. */
@Command(name = "inpaint", mixinStandardHelpOptions = true, description = "Complete the hidden part of images.")
public final class InpaintCommand extends ImageCompletion {
    @Option(names = "--mask", required = true, description = "the hidden region: center, left, right, "
            + "random:FRACTION, or a PNG of the images' size (light pixels known, dark hidden)")
    String mask;

    private INDArray resolved;

    /** The mask of the --mask value, [H, W], 1 = known. */
    static INDArray mask(String spec, int h, int w, long seed) {
        switch (spec) {
            case "center":
            case "centre":
                return ImageMasks.hideCentre(h, w);
            case "left":
                return ImageMasks.hideLeft(h, w);
            case "right":
                return ImageMasks.hideRight(h, w);
            default:
                if (spec.startsWith("random:")) {
                    double f;
                    try {
                        f = Double.parseDouble(spec.substring("random:".length()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--mask " + spec + ": expected random:FRACTION, e.g. random:0.5");
                    }
                    return ImageMasks.hideRandom(h, w, Checks.inRange("--mask random fraction", f, 0, 1),
                            RandomSource.of(seed).stream(11));
                }
                if (spec.toLowerCase(java.util.Locale.ROOT).endsWith(".png")) {
                    return ImageMasks.read(Path.of(spec), h, w);
                }
                throw new IllegalArgumentException("--mask " + spec + ": expected center, left, right, random:FRACTION "
                        + "or a .png file");
        }
    }

    @Override
    Conditioning conditioning(INDArray modelImages, int height, int width) {
        resolved = mask(mask, height, width, seed);
        return Inpainting.of(resolved, modelImages);
    }

    @Override
    INDArray shown(INDArray pixels) {
        // hidden pixels drawn mid-grey
        INDArray m = broadcast(resolved.reshape(1, 1, resolved.size(0), resolved.size(1)), pixels);
        return pixels.mul(m).addi(m.rsub(1).muli(0.5));
    }

    @Override
    INDArray measured(INDArray pixels) {
        return broadcast(resolved.reshape(1, 1, resolved.size(0), resolved.size(1)).rsub(1), pixels);
    }

    private static INDArray broadcast(INDArray m, INDArray like) {
        return m.repeat(0, like.size(0)).repeat(1, like.size(1));
    }

    @Override
    String verb() {
        return "inpainted";
    }
}
