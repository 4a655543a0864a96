package io.github.scoresde.tools;

import io.github.scoresde.core.Checks;
import io.github.scoresde.examples.SdeChoice;
import io.github.scoresde.nn.ImportedScoreNetwork;
import io.github.scoresde.nn.Parameterization;
import io.github.scoresde.nn.TimeInput;
import io.github.scoresde.onnx.OnnxImport;
import io.github.scoresde.sde.Sde;
import io.github.scoresde.training.TrainedModel;
import io.github.scoresde.training.data.DataScaler;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code import}: an ONNX score / noise / data-prediction network to a model file that every
 * other command reads (docs/interop.md).
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Import a network trained elsewhere from an "
        + "ONNX file into a model file (docs/interop.md).")
public final class ImportCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--onnx", required = true, description = "the ONNX file")
    Path onnx;

    @Option(names = "--sde", required = true, description = "the SDE the network was trained for: "
            + "${COMPLETION-CANDIDATES}", completionCandidates = SdeChoice.Names.class,
            converter = SdeChoice.Converter.class)
    SdeChoice sde;

    @Mixin
    VeOptions ve;

    @Option(names = "--output", required = true, description = "what the network outputs: score, epsilon (the noise "
            + "z: score = -net / s(t)), x0 (the clean data) or std-score (s(t) times the score, this library's own)")
    String output;

    @Option(names = "--time", defaultValue = "t", description = "what its time input is: t, t*FACTOR (e.g. t*999, "
            + "score_sde's VP models), sigma or log-sigma (default: ${DEFAULT-VALUE})")
    String time;

    @Option(names = "--shape", required = true, split = ",", description = "one example's shape, e.g. 1,28,28")
    long[] shape;

    @Option(names = "--data-range", defaultValue = "0,1", description = "the data range the network was trained on: "
            + "0,1 or -1,1 (pixels in [0, 1] are mapped to it; default: ${DEFAULT-VALUE})")
    String range;

    @Option(names = "--input-name", description = "the graph's sample input (default: of its two inputs, the one "
            + "of the sample's rank + 1)")
    String inputName;

    @Option(names = "--time-name", description = "the graph's time input (default: the other input)")
    String timeName;

    @Option(names = "--output-name", description = "the graph's output (default: its only output)")
    String outputName;

    @Option(names = "--out", required = true, description = "the model file to write (.zip)")
    Path out;

    static Parameterization parameterization(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "score" -> Parameterization.DIRECT;
            case "epsilon", "eps" -> Parameterization.EPSILON;
            case "x0", "data" -> Parameterization.DATA;
            case "std-score" -> Parameterization.DIVIDE_BY_MARGINAL_STD;
            default -> throw new IllegalArgumentException("--output must be score, epsilon, x0 or std-score; got \""
                    + name + "\"");
        };
    }

    @Override
    public Integer call() {
        Outputs.check("--out", out, new String[] {"zip"}, "--onnx", onnx);
        OnnxImport.Builder b = OnnxImport.builder().parameterization(parameterization(output))
                .timeInput(TimeInput.parse(time)).sampleShape(shape);
        long d = 1;
        for (long s : shape) {
            d *= Checks.positive("--shape", s);
        }
        Sde chosen = ve.create(sde, (int) d);
        b.sde(chosen);
        switch (range.replace(" ", "")) {
            case "0,1" -> b.scaler(DataScaler.identity((int) d));
            case "-1,1" -> b.scaler(DataScaler.range((int) d, 0, 1));
            default -> throw new IllegalArgumentException("--data-range must be 0,1 or -1,1; got \"" + range + "\"");
        }
        if (inputName != null) {
            b.input(inputName);
        }
        if (timeName != null) {
            b.time(timeName);
        }
        if (outputName != null) {
            b.output(outputName);
        }
        TrainedModel model = b.build().importFile(onnx);
        model.save(out);
        ImportedScoreNetwork net = (ImportedScoreNetwork) model.network();
        spec.commandLine().getOut().printf("imported %s (%d constant values, time input %s, output %s) under %s into %s%n", onnx,
                net.parameterCount(), net.signature().timeInput().toText(), output, chosen, out);
        return 0;
    }
}
