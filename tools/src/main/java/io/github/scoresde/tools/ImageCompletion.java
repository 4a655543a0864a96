package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.RandomSource;
import io.github.scoresde.examples.Progress;
import io.github.scoresde.samplers.Conditioning;
import io.github.scoresde.samplers.SamplingResult;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageGrid;
import io.github.scoresde.training.images.ImageSet;
import io.github.scoresde.training.images.ImageSource;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code inpaint} and {@code colorize} share: the first {@code --n} images of {@code --data}
 * (the test half of an MNIST-style folder), a conditioned sampler, the completions written as .npy
 * in the data's pixel scale, a grid of input, conditioning and completion side by side, and the
 * error on the completed values beside that of filling them with the data's mean.
 */
abstract class ImageCompletion implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "an image model file")
    Path model;

    @Option(names = "--data", required = true, description = "idx:DIR (its test images), idx:FILE or images:DIR")
    String data;

    @Option(names = "--n", defaultValue = "16", description = "images to complete, the first of --data (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, description = "completions.npy, float32 [n, C, H, W] in the data's pixel scale")
    Path out;

    @Option(names = "--grid", description = "a PNG: each image, its conditioning and its completion side by side")
    Path grid;

    @Mixin
    SamplerOptions samplerOptions;

    /** The conditioning for the images, in the model's coordinates {@code [n, C, H, W]}. */
    abstract Conditioning conditioning(INDArray modelImages, int height, int width);

    /** What the grid shows as the conditioning of each image (data pixels [n, C, H, W]). */
    abstract INDArray shown(INDArray pixels);

    /** The 0/1 weight of the values the error is measured on, shaped like the pixels [n, C, H, W]. */
    abstract INDArray measured(INDArray pixels);

    /** The verb of the summary line. */
    abstract String verb();

    @Override
    public Integer call() {
        Outputs.check("--out", out, new String[] {"npy"}, "--model", model);
        if (grid != null) {
            Outputs.check("--grid", grid, new String[] {"png"}, "--model", model, "--out", out);
        }
        Checks.positive("--n", n);
        samplerOptions.build(io.github.scoresde.samplers.SamplingListener.none(), 0);
        TrainedModel m = TrainedModel.load(model);
        long[] shape = m.score().sampleShape();
        if (shape.length != 3) {
            throw new IllegalArgumentException(model + " is not an image model (its samples have shape "
                    + Arrays.toString(shape) + ")");
        }
        ImageSet set = ImageData.read(data, null, IdxFiles.Split.TEST);
        if (!Arrays.equals(set.imageShape(), shape)) {
            throw new IllegalArgumentException("--data " + data + " holds images of shape " + Arrays.toString(
                    set.imageShape()) + "; the model's are " + Arrays.toString(shape));
        }
        if (n > set.size()) {
            throw new IllegalArgumentException("--n " + n + " exceeds the " + set.size() + " images of " + data);
        }
        INDArray pixels = ImageSource.of(set).range(0, n, RandomSource.of(seed)).reshape(n, shape[0], shape[1], shape[2]);
        Conditioning c = conditioning(m.toModel(pixels), (int) shape[1], (int) shape[2]);
        SamplingResult r = samplerOptions.build(Progress.samplingListener(verb()), SampleCommand.IMAGE_CHUNK, c)
                .sample(m.sde(), m.score(), n, RandomSource.of(seed));
        INDArray completed = m.toData(r.samples());
        ArrayFiles.write(completed, out);
        INDArray weight = measured(pixels);
        double count = weight.sumNumber().doubleValue();
        INDArray diff = completed.sub(pixels);
        double error = diff.muli(diff).muli(weight).sumNumber().doubleValue() / count;
        INDArray mean = ImageSource.of(set).range(0, Math.min(set.size(), 1000), RandomSource.of(seed)).mean(0);
        INDArray meanFill = pixels.sub(mean.reshape(1, shape[0], shape[1], shape[2]));
        double baseline = meanFill.muli(meanFill).muli(weight).sumNumber().doubleValue() / count;
        if (grid != null) {
            INDArray triples = ImageGrid.interleave(pixels, shown(pixels), completed);
            ImageGrid.write(triples, 2, 3 * Math.min(4, n), grid);
        }
        spec.commandLine().getOut().printf("%s %d images into %s%s (%d score evaluations, %.2f s): mean squared error "
                + "of the completed values %.4f (filling them with the data mean: %.4f)%n", verb(), n, out,
                grid != null ? " and " + grid : "", r.scoreEvaluations(), r.elapsed().toMillis() / 1000.0, error,
                baseline);
        return 0;
    }
}
