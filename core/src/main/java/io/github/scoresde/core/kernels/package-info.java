/**
 * Fused element-wise kernels for the hot loops of the score networks: bias + SiLU in one pass and
 * its backward pass with the bias gradient, on the memory of ND4J arrays. They use the Java Vector
 * API ({@code jdk.incubator.vector}) when the JVM runs with {@code --add-modules
 * jdk.incubator.vector} and the CPU backend is in use, and ND4J ops otherwise.
 */
package io.github.scoresde.core.kernels;
