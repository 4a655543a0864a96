/**
 * Optional CPU speed-ups: the Java Vector API kernels of {@link io.github.scoresde.core.kernels.Kernels},
 * supplied through {@link io.github.scoresde.cpu.CpuKernelProvider} (found by
 * {@link java.util.ServiceLoader}; no module imports this one), the detection of OpenBLAS's
 * kernels for this CPU ({@link io.github.scoresde.cpu.OpenBlasCore}) and thread defaults
 * ({@link io.github.scoresde.cpu.NdThreads}). Results are the same with or without it, to float32
 * rounding (about 1e-6 relative: the kernels sum in another order).
 */
package io.github.scoresde.cpu;
