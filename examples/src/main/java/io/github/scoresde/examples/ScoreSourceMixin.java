package io.github.scoresde.examples;

/** The score options ({@code --model | --score exact:...}, {@code --sde}) as a picocli mixin. */
public final class ScoreSourceMixin extends ScoreSource {
}
