package io.github.scoresde.core;

/**
 * The common type of the library's failures that are not a bad argument: sampling or training
 * that diverged, an ODE solve that could not reach its end time. The message says what happened
 * and what to try; an application can catch this one type. (A bad argument, a missing or corrupt
 * file, is an {@link IllegalArgumentException} naming it.) An {@link ArithmeticException}, as
 * the subtypes were before it existed.
 */
public class ScoreSdeException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened, in one line */
    public ScoreSdeException(String message) {
        super(message);
    }
}
