package io.github.scoresde.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.ScoreSdeException;
import io.github.scoresde.samplers.SamplingDivergedException;
import io.github.scoresde.samplers.ode.OdeSolverException;
import io.github.scoresde.training.TrainingDivergedException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** The library's failures share one type, and the command line reports each in one line. */
class CliPolicyTest {

    @Command(name = "fails")
    static final class Fails implements Callable<Integer> {
        private final Supplier<RuntimeException> failure;

        Fails(Supplier<RuntimeException> failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() {
            throw failure.get();
        }
    }

    @Test
    void libraryFailuresAreOneTypeAndOneLine() {
        java.util.List<Supplier<RuntimeException>> failures = java.util.List.of(
                () -> new OdeSolverException("DormandPrince45: step size underflow at t = 0.5", 0.5),
                () -> new TrainingDivergedException(7, Double.NaN, null));
        for (Supplier<RuntimeException> f : failures) {
            assertTrue(f.get() instanceof ScoreSdeException, f.get().getClass().getName());
            StringWriter err = new StringWriter();
            int rc = Cli.execute(new Fails(f), new PrintWriter(new StringWriter()), new PrintWriter(err));
            assertEquals(1, rc, err.toString());
            assertTrue(err.toString().startsWith("error: "), err.toString());
            assertEquals(1, err.toString().strip().lines().count(), "one line: " + err);
            assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
        }
        assertTrue(ScoreSdeException.class.isAssignableFrom(SamplingDivergedException.class));
    }
}
