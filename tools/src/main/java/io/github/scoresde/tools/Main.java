package io.github.scoresde.tools;

import io.github.scoresde.examples.Cli;
import io.github.scoresde.examples.ControllableGenerationExample;
import io.github.scoresde.examples.ForwardDiffusionExample;
import io.github.scoresde.examples.LikelihoodMapExample;
import io.github.scoresde.examples.QuickstartExample;
import io.github.scoresde.examples.SamplerGalleryExample;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code tools/target/scoresde.jar}: one subcommand per example and tool,
 * {@code --help} on each. User errors (a bad option, a missing file, an invalid value) print one
 * line and exit with a non-zero code, without a stack trace.
 */
@Command(name = "scoresde", mixinStandardHelpOptions = true, version = "scoresde 0.1.0-SNAPSHOT",
        description = "Score-based generative modeling through SDEs on ND4J.",
        subcommands = {QuickstartExample.class, TrainCommand.class, SampleCommand.class, LikelihoodCommand.class,
            EncodeCommand.class, DecodeCommand.class, BenchCommand.class, SamplerGalleryExample.class, LikelihoodMapExample.class,
            ControllableGenerationExample.class, io.github.scoresde.examples.FashionMnistExample.class,
            InpaintCommand.class, ColorizeCommand.class, ImportCommand.class, ScoreCommand.class,
            ForwardDiffusionExample.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the command-line tool. */
    public static void main(String[] args) {
        Cli.quietBackendLogs();
        Relaunch.exitWithParent();
        java.util.OptionalInt child = Relaunch.relaunchIfNeeded(Main.class.getName(), args);
        if (child.isPresent()) {
            System.exit(child.getAsInt());
        }
        System.exit(execute(new Main(), args));
    }

    /**
     * Executes a picocli command with the library's error policy: exit code 2 and one line for
     * invalid usage, exit code 1 and one line for an {@link IllegalArgumentException} or an I/O
     * problem raised while running, the usual exit code otherwise.
     */
    public static int execute(Object command, String... args) {
        return execute(command, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(Object, String...)}, printing to the given writers. */
    public static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        Relaunch.logCoreChoice();
        return Cli.execute(command, out, err, args);
    }
}
