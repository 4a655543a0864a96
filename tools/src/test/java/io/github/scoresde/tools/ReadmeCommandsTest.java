package io.github.scoresde.tools;

import static io.github.scoresde.tools.CliAssert.run;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's command-line lines run in order, as a reader would run them on a fresh checkout,
 * with training, sampling and likelihood sizes scaled down (and, for the untrained U-Net, no sample
 * grids and loose likelihood tolerances): each later command finds the files the earlier ones
 * wrote. The examples (quickstart, fashion) and bench have tests of their own;
 * the image lines run where Fashion-MNIST is installed.
 */
class ReadmeCommandsTest {
    private static final Pattern LINE = Pattern.compile("^    java -jar tools/target/scoresde\\.jar (.*)$");

    @Test
    void theReadmesCommandsRunInOrder(@TempDir Path dir) throws IOException {
        Path readme = Path.of("..", "README.md");
        List<String[]> commands = new ArrayList<>();
        for (String line : Files.readAllLines(readme)) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String[] args = m.group(1).trim().split("\\s+");
            String command = args[0];
            if (command.equals("quickstart") || command.equals("fashion") || command.equals("bench")) {
                continue;
            }
            if (m.group(1).contains("idx:") && !Files.isDirectory(ImageData.FASHION_MNIST)) {
                continue;
            }
            commands.add(scaled(args, dir));
        }
        assertTrue(commands.size() >= 7, "the README's CLI lines: " + commands.size());
        for (String[] args : commands) {
            run(args);
        }
    }

    /** The command with small sizes and its files in {@code dir}. */
    private static String[] scaled(String[] args, Path dir) {
        String[] out = args.clone();
        for (int i = 1; i < out.length; i++) {
            String prev = out[i - 1];
            if (prev.equals("--steps")) {
                // training runs keep their order (a resumed run goes further than the first)
                out[i] = Integer.toString(Math.max(2, Integer.parseInt(args[i]) / 1000));
            } else if (prev.equals("--n")) {
                out[i] = "16";
            } else if (out[i].matches("[\\w.-]+\\.(zip|npy|csv|png)")) {
                out[i] = dir.resolve(out[i]).toString();
            } else if (out[i].contains("/") && Files.exists(Path.of("..", out[i]))) {
                // a file of the repository, named from its root as the README's reader runs it
                out[i] = Path.of("..", out[i]).toString();
            }
        }
        List<String> all = new ArrayList<>(List.of(out));
        if (String.join(" ", args).contains("idx:")) {
            // an untrained U-Net: no sample grids, and its likelihood at loose tolerances
            if (args[0].equals("train")) {
                all.addAll(List.of("--grid-every", "0"));
            } else if (args[0].equals("likelihood")) {
                all.addAll(List.of("--rtol", "1e-2", "--atol", "1e-2"));
            }
        }
        return all.toArray(new String[0]);
    }
}
