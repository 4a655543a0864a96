package io.github.scoresde.cpu;

import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supplies the Java Vector API kernels ({@code VectorKernels}) to {@link Kernels}, registered in
 * {@code META-INF/services}: an application that has this module on its class path gets them
 * without code or configuration. They serve only where they can run: the JVM has the incubating
 * {@code jdk.incubator.vector} module (started with {@code --add-modules jdk.incubator.vector})
 * and ND4J runs on its CPU backend. Otherwise this provider says so in one log line and
 * {@link Kernels} keeps its ND4J ops, with the same results to float32 rounding.
 */
public final class CpuKernelProvider implements Kernels.KernelProvider {
    private static final Logger LOG = LoggerFactory.getLogger(CpuKernelProvider.class);

    /** For {@link java.util.ServiceLoader}. */
    public CpuKernelProvider() {
    }

    @Override
    public Kernels.VectorOps kernels() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("scoresde-cpu: start the JVM with --add-modules jdk.incubator.vector for its Vector API "
                    + "kernels (about 3x faster MLP forward passes, 2-3x faster training steps); using ND4J ops");
            return null;
        }
        if (!Nd4j.getEnvironment().isCPU()) {
            LOG.info("scoresde-cpu: ND4J runs on a non-CPU backend; its kernels stay on ND4J ops");
            return null;
        }
        try {
            // loaded by name, after the checks: the class links against jdk.incubator.vector
            return (Kernels.VectorOps) Class.forName("io.github.scoresde.cpu.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            LOG.warn("scoresde-cpu: vector kernels unavailable ({}); using ND4J ops", e.toString());
            return null;
        }
    }
}
