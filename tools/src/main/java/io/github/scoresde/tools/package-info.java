/**
 * The command-line tool ({@link io.github.scoresde.tools.Main}, the entry point of
 * {@code tools/target/scoresde.jar}: train, sample, likelihood, encode, decode and the examples)
 * and the benchmark harness ({@link io.github.scoresde.tools.BenchCommand}). Strings become the
 * library's typed choices here, at the edge.
 */
package io.github.scoresde.tools;
