package io.github.scoresde.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The choice of OpenBLAS kernels, on made-up CPUs and environments. */
class OpenBlasCoreTest {
    private static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");
    private static final Set<String> AVX512;

    static {
        Set<String> s = new HashSet<>(AVX2);
        s.addAll(Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"));
        AVX512 = Set.copyOf(s);
    }

    @Test
    void avx512CpusGetTheAvx512KernelsUnlessAlreadyChosen() {
        assertEquals(Optional.of("SKYLAKEX"), OpenBlasCore.upgrade("Haswell", AVX512, null));
        assertEquals(Optional.of("SKYLAKEX"), OpenBlasCore.upgrade(null, AVX512, "auto"));
        assertEquals(Optional.of("SKYLAKEX"), OpenBlasCore.upgrade("ZEN", AVX512, " "));
        assertEquals(Optional.empty(), OpenBlasCore.upgrade("SkylakeX", AVX512, null));
        assertEquals(Optional.empty(), OpenBlasCore.upgrade("COOPERLAKE", AVX512, null));
    }

    @Test
    void cpusWithoutEveryNeededSubsetAreLeftAlone() {
        assertEquals(Optional.empty(), OpenBlasCore.upgrade("Haswell", AVX2, null));
        assertEquals(Optional.empty(), OpenBlasCore.upgrade(null, Set.of(), null));
        Set<String> noVl = new HashSet<>(AVX512);
        noVl.remove("avx512vl");
        assertEquals(Optional.empty(), OpenBlasCore.upgrade("Haswell", noVl, null));
    }

    @Test
    void theUsersPolicyWins() {
        assertEquals(Optional.empty(), OpenBlasCore.upgrade("Haswell", AVX512, "keep"));
        assertEquals(Optional.empty(), OpenBlasCore.upgrade(null, AVX512, "KEEP"));
        assertEquals(Optional.of("ZEN"), OpenBlasCore.upgrade("Haswell", AVX512, "zen"));
        assertEquals(Optional.empty(), OpenBlasCore.upgrade("HASWELL", AVX512, "haswell"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenBlasCore.upgrade("Haswell", AVX512, "sky lake"));
        assertTrue(e.getMessage().contains("'sky lake'") && e.getMessage().contains(OpenBlasCore.POLICY_ENV),
                e.getMessage());
    }

    @Test
    void readsTheFirstFlagsLineOfCpuinfo(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cpuinfo");
        Files.writeString(f, "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 avx512f avx512vl\n"
                + "processor\t: 1\nflags\t\t: fpu\n");
        assertEquals(Set.of("fpu", "avx2", "avx512f", "avx512vl"), OpenBlasCore.cpuFlags(f));
        assertEquals(Set.of(), OpenBlasCore.cpuFlags(dir.resolve("missing")));
        Files.writeString(f, "processor\t: 0\n");
        assertEquals(Set.of(), OpenBlasCore.cpuFlags(f));
    }
}
