package io.github.scoresde.nn;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear learning-rate warm-up: lr min(1, (iteration + 1) / warmup), then constant (the reference
 * code's schedule). Serialised with the network configuration.
 */
public final class WarmupSchedule implements ISchedule {
    private static final long serialVersionUID = 1L;

    @JsonProperty("learningRate")
    private final double learningRate;
    @JsonProperty("warmup")
    private final int warmup;

    /**
     * @param learningRate the final learning rate
     * @param warmup warm-up iterations (0: none)
     */
    public WarmupSchedule(@JsonProperty("learningRate") double learningRate, @JsonProperty("warmup") int warmup) {
        this.learningRate = learningRate;
        this.warmup = warmup;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return warmup <= 0 ? learningRate : learningRate * Math.min(1.0, (iteration + 1.0) / warmup);
    }

    @Override
    public ISchedule clone() {
        return new WarmupSchedule(learningRate, warmup);
    }

    /** The final learning rate. */
    public double getLearningRate() {
        return learningRate;
    }

    /** Warm-up iterations. */
    public int getWarmup() {
        return warmup;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupSchedule w && w.learningRate == learningRate && w.warmup == warmup;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(learningRate) * 31 + warmup;
    }

    @Override
    public String toString() {
        return "WarmupSchedule[lr=" + learningRate + ", warmup=" + warmup + "]";
    }
}
