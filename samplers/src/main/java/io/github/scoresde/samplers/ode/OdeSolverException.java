package io.github.scoresde.samplers.ode;

/** A solver could not reach the requested end time; the message says where it stopped and why. */
public final class OdeSolverException extends io.github.scoresde.core.ScoreSdeException {
    private static final long serialVersionUID = 1L;
    private final double timeReached;

    /** @param message what happened, including the time reached */
    public OdeSolverException(String message, double timeReached) {
        super(message);
        this.timeReached = timeReached;
    }

    /** The time the solver had reached when it stopped. */
    public double timeReached() {
        return timeReached;
    }
}
