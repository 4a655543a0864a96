/**
 * Runnable examples and the command-line tool. Each example is one class whose {@code main}
 * parses options and calls {@code run(options)}, which returns a result, so that tests can run it
 * with tiny settings. {@link io.github.scoresde.examples.Main} is the entry point of
 * {@code tools/target/scoresde.jar}.
 */
package io.github.scoresde.examples;
