package io.github.scoresde.examples;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code examples/target/scoresde.jar}: one subcommand per example and tool,
 * {@code --help} on each. User errors (a bad option, a missing file, an invalid value) print one
 * line and exit with a non-zero code, without a stack trace.
 */
@Command(name = "scoresde", mixinStandardHelpOptions = true, version = "scoresde 0.1.0-SNAPSHOT",
        description = "Score-based generative modeling through SDEs on ND4J.",
        subcommands = {QuickstartExample.class, TrainCommand.class, SampleCommand.class, LikelihoodCommand.class,
            EncodeCommand.class, DecodeCommand.class, BenchCommand.class, SamplerGalleryExample.class, LikelihoodMapExample.class,
            ControllableGenerationExample.class,
            ForwardDiffusionExample.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * JavaCPP reads the process's resident size at every native allocation it registers (shape
     * information included) when {@code org.bytedeco.javacpp.maxphysicalbytes} is above 0, its
     * default: 7.5% of a training step's native time here. The CLI turns that check off unless
     * the option is given; JavaCPP's limit on the native memory it tracks
     * ({@code org.bytedeco.javacpp.maxbytes}) still triggers garbage collection. Takes effect only
     * before ND4J is first used.
     */
    static void skipPhysicalMemoryChecks() {
        if (System.getProperty("org.bytedeco.javacpp.maxphysicalbytes") == null) {
            System.setProperty("org.bytedeco.javacpp.maxphysicalbytes", "0");
        }
    }

    /** Runs the command-line tool. */
    public static void main(String[] args) {
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
        skipPhysicalMemoryChecks();
        Relaunch.logCoreChoice();
        io.github.scoresde.cpu.NdThreads.applyDefault();
        CommandLine cli = new CommandLine(command);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable e = ex;
            if (e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException
                    || e instanceof java.io.IOException || e instanceof IllegalStateException) {
                commandLine.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw ex;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter perr = ex.getCommandLine().getErr();
            Throwable cause = ex.getCause() instanceof CommandLine.TypeConversionException
                    || ex.getCause() instanceof IllegalArgumentException ? ex.getCause() : ex;
            perr.println("error: " + cause.getMessage());
            perr.println("try: " + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            return 2;
        });
        int rc = cli.execute(args);
        out.flush();
        err.flush();
        return rc;
    }
}
