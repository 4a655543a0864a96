package io.github.scoresde.core;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file atomically: the content goes to a temporary file beside it, which is moved over
 * the target only once complete, so a reader (or a run that is killed, or a full disk) sees the
 * old file or the whole new one, never a part. The temporary file is created like any new file, so
 * the result has the permissions the process's umask gives (not the owner-only mode of
 * {@code Files.createTempFile}), and it is deleted whatever goes wrong.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes the content to a stream. */
    @FunctionalInterface
    public interface Content {
        /** Writes everything to {@code out} (closed by the caller). */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code file} atomically, creating its folder if needed.
     *
     * @throws UncheckedIOException naming the file when it cannot be written
     */
    public static void write(Path file, Content content) {
        Checks.notNull("file", file);
        Checks.notNull("content", content);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = target.resolveSibling("." + target.getFileName() + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    content.writeTo(out);
                }
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
