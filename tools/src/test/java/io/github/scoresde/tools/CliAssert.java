package io.github.scoresde.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the tool's {@link Main} in this JVM and checks how it fails. */
final class CliAssert {
    private CliAssert() {
    }

    /** Runs the tool, asserts it succeeds, and returns what it printed on standard output. */
    static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(new Main(), new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, rc, "exit code of " + String.join(" ", args) + "; stderr: " + err);
        return out.toString();
    }

    /** The tool exits with {@code code}, one error line containing {@code message}, no stack trace. */
    static void assertError(int code, String message, String... args) {
        StringWriter err = new StringWriter();
        int rc = Main.execute(new Main(), new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        assertEquals(code, rc, "exit code for " + String.join(" ", args) + "; stderr: " + err);
        assertTrue(err.toString().contains(message), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }
}
