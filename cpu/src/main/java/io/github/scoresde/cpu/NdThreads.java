package io.github.scoresde.cpu;

import io.github.scoresde.core.Checks;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread count of ND4J's element-wise (OpenMP) pool. On a 2-core machine the OpenMP pool and
 * OpenBLAS's own GEMM pool oversubscribe the cores, and one OpenMP thread (OpenBLAS keeping its
 * two) trains the toy MLP about three times faster (docs/performance.md). Applications choose;
 * the examples and the CLI call {@link #applyDefault()}, which sets 1 thread unless the user set
 * {@code OMP_NUM_THREADS}.
 */
public final class NdThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NdThreads.class);

    private NdThreads() {
    }

    /** Sets the OpenMP pool of the ND4J native backend to {@code threads} threads. */
    public static void setElementwiseThreads(int threads) {
        Checks.positive("threads", threads);
        Nd4j.create(1); // make sure the backend is loaded
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        LOG.debug("ND4J element-wise threads set to {}", threads);
    }

    /**
     * One element-wise thread unless {@code OMP_NUM_THREADS} is set in the environment; also logs
     * once when OpenBLAS runs weaker matrix kernels than the CPU allows
     * ({@link OpenBlasCore#logAdvice()}).
     */
    public static void applyDefault() {
        OpenBlasCore.logAdvice();
        if (System.getenv("OMP_NUM_THREADS") == null) {
            setElementwiseThreads(1);
        }
    }
}
