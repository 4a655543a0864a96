package io.github.scoresde.tools;

import java.util.Locale;

/**
 * Sizes that cannot fit are refused before any work, with the memory they would need, rather than
 * ending in an index overflow or an out-of-memory error halfway through.
 */
final class Sizes {
    /** The most values one Java or ND4J array of this library holds (int-indexed buffers). */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private Sizes() {
    }

    /**
     * Checks that {@code arrays} arrays of {@code values} values of {@code bytesPerValue} bytes each
     * can be held: each within {@link #MAX_VALUES}, all together within the larger of the JVM's heap
     * and JavaCPP's native limit.
     *
     * @param what the option and its value as the user wrote them, e.g. {@code "--n 300000000"}
     * @throws IllegalArgumentException naming the option and the memory it would need
     */
    static void check(String what, double values, int bytesPerValue, int arrays) {
        if (values > MAX_VALUES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s needs arrays of %.3g values, more than the "
                    + "%d one array can hold; use a smaller value", what, values, MAX_VALUES));
        }
        double bytes = values * bytesPerValue * arrays;
        long available = Math.max(Runtime.getRuntime().maxMemory(), org.bytedeco.javacpp.Pointer.maxBytes());
        if (bytes > available) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s needs about %.1f GiB of memory; this JVM "
                    + "can use %.1f GiB (-Xmx, -Dorg.bytedeco.javacpp.maxbytes); use a smaller value", what,
                    bytes / (1L << 30), available / (double) (1L << 30)));
        }
    }
}
