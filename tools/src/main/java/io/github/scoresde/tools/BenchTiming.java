package io.github.scoresde.tools;

import java.util.function.Supplier;

/** The bench's warm-up: whole runs of a workload until the JIT has compiled it. */
final class BenchTiming {
    private BenchTiming() {
    }

    /**
     * A warm-up goes on past its minimum time while its last run is this much slower than its
     * fastest (the JIT still compiling), up to {@link #WARMUP_LIMIT} times the minimum time.
     */
    static final double WARMUP_STEADY = 1.25;
    /** The longest warm-up, in multiples of the minimum time. */
    static final double WARMUP_LIMIT = 4;
    /**
     * A warm-up also goes on while the JIT's compilation time during its last run was more than
     * this share of the run's wall time.
     */
    static final double WARMUP_JIT_SHARE = 0.02;

    /**
     * Runs a workload at least once, then again until {@code seconds} have passed, and on while
     * the last run is more than {@link #WARMUP_STEADY} times slower than the fastest or the JIT
     * compiled for more than {@link #WARMUP_JIT_SHARE} of the last run's time, until
     * {@code maxSeconds} have passed; returns the first (cold) run's result. On two cores a C2
     * compilation takes a core from the two OpenBLAS threads and slows training steps several
     * times while it lasts, so a warm-up that ends while the compiler is busy measures the compiler.
     */
    static <T> T warmUp(Supplier<T> run, double seconds, double maxSeconds) {
        long start = System.nanoTime();
        T cold = run.get();
        double last = (System.nanoTime() - start) / 1e9;
        double fastest = last;
        double jitShare = 1;
        while (true) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            boolean steady = last <= WARMUP_STEADY * fastest && jitShare <= WARMUP_JIT_SHARE;
            if (elapsed >= maxSeconds || elapsed >= seconds && steady) {
                return cold;
            }
            long jit0 = compilationMillis();
            long t0 = System.nanoTime();
            run.get();
            last = (System.nanoTime() - t0) / 1e9;
            fastest = Math.min(fastest, last);
            long jit1 = compilationMillis();
            jitShare = jit0 < 0 || jit1 < 0 ? 0 : (jit1 - jit0) / 1e3 / last;
        }
    }

    /** The JIT's accumulated compilation time in ms, or -1 where the JVM does not report it. */
    static long compilationMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

}
