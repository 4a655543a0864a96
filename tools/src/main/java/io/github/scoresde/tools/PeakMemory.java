package io.github.scoresde.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's peak resident memory (Linux's {@code VmHWM}), for the bench's memory figure: the
 * Java heap and ND4J's native arrays together, as the operating system counts them.
 */
final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemory() {
    }

    /**
     * Restarts the peak from the current resident size (Linux 4.0 and later).
     *
     * @return false when the system does not allow it (the peak then covers the process so far)
     */
    static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** The peak resident size in MB since the start or the last {@link #reset()}; NaN where the system does not say. */
    static double megabytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
