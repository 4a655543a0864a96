package io.github.scoresde.nn;

import io.github.scoresde.core.Checks;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * What an imported network takes as its time input, computed from the SDE time t in [0, T]
 * (docs/interop.md): t itself, t times a factor (score_sde's VP models take 999 t), the noise level
 * sigma(t) = s(t) / m(t) (for a VE SDE, s(t): score_sde's NCSN++ and EDM's inputs), or its logarithm.
 *
 * @param kind which quantity
 * @param factor the multiplier of {@link Kind#SCALED_TIME} (1 for the others)
 */
public record TimeInput(Kind kind, double factor) {
    /** The quantities. */
    public enum Kind {
        /** t. */
        TIME,
        /** factor * t. */
        SCALED_TIME,
        /** sigma(t) = s(t) / m(t). */
        NOISE_LEVEL,
        /** ln sigma(t). */
        LOG_NOISE_LEVEL
    }

    /** Validates. */
    public TimeInput {
        Checks.notNull("kind", kind);
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("the time input's factor must be positive and finite; got " + factor);
        }
        if (kind != Kind.SCALED_TIME && factor != 1) {
            throw new IllegalArgumentException("only a scaled time input has a factor; got " + kind + " with " + factor);
        }
    }

    /** t. */
    public static TimeInput time() {
        return new TimeInput(Kind.TIME, 1);
    }

    /** factor * t (score_sde's continuous VP models: 999). */
    public static TimeInput scaledTime(double factor) {
        return new TimeInput(Kind.SCALED_TIME, factor);
    }

    /** sigma(t). */
    public static TimeInput noiseLevel() {
        return new TimeInput(Kind.NOISE_LEVEL, 1);
    }

    /** ln sigma(t). */
    public static TimeInput logNoiseLevel() {
        return new TimeInput(Kind.LOG_NOISE_LEVEL, 1);
    }

    /**
     * The network's time input at t.
     *
     * @param noiseLevel t -> sigma(t), the SDE's ({@code sde::noiseLevel})
     */
    public double at(double t, DoubleUnaryOperator noiseLevel) {
        return switch (kind) {
            case TIME -> t;
            case SCALED_TIME -> factor * t;
            case NOISE_LEVEL -> noiseLevel.applyAsDouble(t);
            case LOG_NOISE_LEVEL -> Math.log(noiseLevel.applyAsDouble(t));
        };
    }

    /** The text form: {@code t}, {@code t*999}, {@code sigma} or {@code log-sigma}. */
    public String toText() {
        return switch (kind) {
            case TIME -> "t";
            case SCALED_TIME -> "t*" + (factor == Math.rint(factor) ? Long.toString((long) factor) : Double.toString(factor));
            case NOISE_LEVEL -> "sigma";
            case LOG_NOISE_LEVEL -> "log-sigma";
        };
    }

    /**
     * Reads {@link #toText()}'s form.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static TimeInput parse(String text) {
        String s = Checks.notNull("text", text).trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "t":
                return time();
            case "sigma":
                return noiseLevel();
            case "log-sigma":
                return logNoiseLevel();
            default:
                if (s.startsWith("t*")) {
                    try {
                        return scaledTime(Double.parseDouble(s.substring(2)));
                    } catch (NumberFormatException e) {
                        // reported below
                    }
                }
                throw new IllegalArgumentException("a time input is t, t*FACTOR (e.g. t*999), sigma or log-sigma; got \""
                        + text + "\"");
        }
    }
}
