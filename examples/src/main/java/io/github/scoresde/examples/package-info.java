/**
 * Runnable examples. Each example is one class whose {@code main} parses options and calls
 * {@code run(options)}, which returns a result, so that tests can run it with tiny settings;
 * {@link io.github.scoresde.examples.Cli} is their command-line policy. They are also subcommands of
 * {@code tools/target/scoresde.jar}.
 */
package io.github.scoresde.examples;
