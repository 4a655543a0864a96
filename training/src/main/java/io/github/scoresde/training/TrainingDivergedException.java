package io.github.scoresde.training;

/** The loss became NaN or infinite; training stopped at that step and the last checkpoint is intact. */
public final class TrainingDivergedException extends io.github.scoresde.core.ScoreSdeException {
    private static final long serialVersionUID = 1L;
    private final long step;

    /**
     * @param step the 0-based step whose loss was not finite
     * @param loss the loss
     * @param checkpoint the last good checkpoint, or null
     */
    public TrainingDivergedException(long step, double loss, java.nio.file.Path checkpoint) {
        super("Training diverged: loss " + loss + " at step " + step + "; "
                + (checkpoint != null ? "the last good checkpoint " + checkpoint + " is intact"
                        : "no checkpoint was written") + "; try a smaller learning rate or stronger gradient clipping");
        this.step = step;
    }

    /** The step whose loss was not finite. */
    public long step() {
        return step;
    }
}
