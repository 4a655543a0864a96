package io.github.scoresde.nn;

import org.nd4j.autodiff.samediff.SameDiff;

/**
 * What keeps a SameDiff network's native memory bounded (docs/performance.md): each calling
 * thread's session gets an array cache of bounded size, and a collection is asked for once the
 * calls have left about a gigabyte of native garbage. ND4J frees an array's native memory only
 * after the collector has seen it die, and a network's garbage is all native: the Java heap stays
 * small, so without this the collector runs rarely (a U-Net's training grew past 20 GB). One
 * instance per network; not thread-safe in its count, which is only a trigger.
 */
final class SameDiffMemory {
    /** The bound of each SameDiff session's array cache. */
    static final double CACHE_BYTES = 512.0 * 1024 * 1024;
    /** The native garbage after which a collection is asked for. */
    static final long GARBAGE_BYTES = 1L << 30;

    private final SameDiff sd;
    private final long activationBytes;
    private long garbage;

    /**
     * @param sd the network's graph (its gradient function too, once built)
     * @param activationBytes the bytes of intermediate arrays one example's forward pass leaves
     */
    SameDiffMemory(SameDiff sd, long activationBytes) {
        this.sd = sd;
        this.activationBytes = activationBytes;
    }

    /** Gives the calling thread's sessions a bounded array cache, once. */
    void boundSessions() {
        long thread = Thread.currentThread().getId();
        SameDiff grad = sd.getFunction("grad");
        for (SameDiff g : new SameDiff[] {sd, grad}) {
            if (g != null && !g.getSessions().containsKey(thread)) {
                org.nd4j.autodiff.samediff.internal.InferenceSession session =
                        new org.nd4j.autodiff.samediff.internal.InferenceSession(g);
                double total = Math.max(1, org.bytedeco.javacpp.Pointer.totalPhysicalBytes());
                session.setMmgr(new org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr(
                        Math.min(0.25, CACHE_BYTES / total), 1024, 2.0));
                g.getSessions().put(thread, session);
            }
        }
    }

    /** Counts a call's garbage: {@code examples} forward passes, with their backward pass if asked. */
    void produced(long examples, boolean backward) {
        garbage += examples * activationBytes * (backward ? 3 : 1);
        if (garbage > GARBAGE_BYTES) {
            garbage = 0;
            System.gc();
        }
    }
}
