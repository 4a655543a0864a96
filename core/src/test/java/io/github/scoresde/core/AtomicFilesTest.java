package io.github.scoresde.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    /**
     * A failed write keeps the old file whole and leaves no temporary file; a good one replaces it
     * and gets the permissions of any new file of this process (not owner-only).
     */
    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNothingBehind(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sub/out.bin");
        AtomicFiles.write(f, out -> out.write(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[] {9, 9});
            throw new IllegalStateException("disk full");
        }));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        try (var files = Files.list(f.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        Path plain = Files.createFile(dir.resolve("plain.bin"));
        if (Files.getFileStore(plain).supportsFileAttributeView("posix")) {
            Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
            AtomicFiles.write(f, out -> out.write(4));
            assertEquals(expected, Files.getPosixFilePermissions(f), "the umask's permissions, as for a new file");
        }
        assertTrue(assertThrows(java.io.UncheckedIOException.class, () -> AtomicFiles.write(
                dir.resolve("plain.bin/x"), out -> out.write(1))).getMessage().contains("plain.bin/x"));
    }
}
