package io.github.scoresde.examples;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The command-line policy of the examples and the tool: exit code 2 and one line for invalid
 * usage, exit code 1 and one line for an {@link IllegalArgumentException}, an I/O problem or a
 * library failure ({@link io.github.scoresde.core.ScoreSdeException}: diverged sampling or
 * training, an ODE solve that cannot reach its end) raised while running, the usual exit code
 * otherwise; one OpenMP thread unless {@code OMP_NUM_THREADS} is set
 * ({@link io.github.scoresde.cpu.NdThreads#applyDefault()}).
 */
public final class Cli {
    private Cli() {
    }

    /** The slf4j-simple setting of the ND4J loggers' level. */
    static final String ND4J_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.nd4j";

    /**
     * Keeps ND4J's start-up banner (backend, threads, build information: a dozen INFO lines) off the
     * terminal, so that {@code --help} and a one-line error are what the user sees; its warnings and
     * errors still show. Takes effect when called before the first logger is created (the start of
     * {@code main}); a level the user set ({@code -Dorg.slf4j.simpleLogger.log.org.nd4j=info}) wins.
     */
    public static void quietBackendLogs() {
        if (System.getProperty(ND4J_LOG_LEVEL) == null) {
            System.setProperty(ND4J_LOG_LEVEL, "warn");
        }
        // SameDiff M2.1 warns, each time a U-Net graph is built, that its pad op has no field
        // "padValue" (the op works: the U-Net's tests compare it with PyTorch)
        if (System.getProperty(SAMEDIFF_OP_LOG_LEVEL) == null) {
            System.setProperty(SAMEDIFF_OP_LOG_LEVEL, "error");
        }
        // Spark (train --spark) logs several INFO lines per job, and a distributed run is a job per round
        for (String spark : new String[] {"org.apache.spark", "org.sparkproject", "org.apache.hadoop",
                "org.deeplearning4j.spark"}) {
            String key = "org.slf4j.simpleLogger.log." + spark;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    /** The slf4j-simple setting of the level of SameDiff's op-property logger. */
    static final String SAMEDIFF_OP_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.nd4j.autodiff.functions.DifferentialFunction";

    /** Runs a picocli command with the policy, printing to standard output and error. */
    public static int execute(Object command, String... args) {
        quietBackendLogs();
        return execute(command, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /**
     * JavaCPP reads the process's resident size at every native allocation it registers (shape
     * information included) when {@code org.bytedeco.javacpp.maxphysicalbytes} is above 0, its
     * default: 7.5% of a training step's native time here. The CLI turns that check off unless
     * the option is given; JavaCPP's limit on the native memory it tracks
     * ({@code org.bytedeco.javacpp.maxbytes}) still triggers garbage collection. Takes effect only
     * before ND4J is first used.
     */
    public static void skipPhysicalMemoryChecks() {
        if (System.getProperty("org.bytedeco.javacpp.maxphysicalbytes") == null) {
            System.setProperty("org.bytedeco.javacpp.maxphysicalbytes", "0");
        }
    }

    /** As {@link #execute(Object, String...)}, printing to the given writers. */
    public static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        skipPhysicalMemoryChecks();
        io.github.scoresde.cpu.NdThreads.applyDefault();
        CommandLine cli = new CommandLine(command);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable e = ex;
            if (e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException
                    || e instanceof java.io.IOException || e instanceof IllegalStateException
                    || e instanceof io.github.scoresde.core.ScoreSdeException) {
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
