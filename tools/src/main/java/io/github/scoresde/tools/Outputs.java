package io.github.scoresde.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks on a command's output file made before any work starts, so that a mistake is found in a
 * second rather than after an hour of training or sampling: the output must not be one of the
 * command's inputs (the input would be silently replaced), must have an extension the command
 * writes, must not be a directory, and its folder must be writable (or creatable).
 */
final class Outputs {
    private Outputs() {
    }

    /**
     * @param flag the output's option, e.g. {@code --out}
     * @param out the output file
     * @param extensions the accepted extensions, lower case without the dot
     * @param inputs pairs of (option, path) of the command's inputs; null paths are skipped
     * @throws IllegalArgumentException naming the problem and both options where an input is the output
     */
    static void check(String flag, Path out, String[] extensions, Object... inputs) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean known = false;
        for (String e : extensions) {
            known |= name.endsWith("." + e);
        }
        if (!known) {
            throw new IllegalArgumentException("Unsupported file type \"" + out + "\" for " + flag + "; expected "
                    + String.join(" or ", java.util.Arrays.stream(extensions).map(e -> "." + e).toList()));
        }
        for (int i = 0; i + 1 < inputs.length; i += 2) {
            Path in = (Path) inputs[i + 1];
            if (in != null && same(in, out)) {
                throw new IllegalArgumentException(flag + " " + out + " is the same file as " + inputs[i] + " " + in
                        + "; writing it would replace the input: choose another " + flag);
            }
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException(flag + " " + out + " is a directory; give a file name");
        }
        Path dir = out.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir != null && (!Files.isDirectory(dir) || !Files.isWritable(dir))) {
            throw new IllegalArgumentException("Cannot write " + flag + " " + out + ": " + dir + " is not a writable "
                    + "folder");
        }
    }

    /** Whether two paths name the same file (the same normalised path, or the same existing file). */
    private static boolean same(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
