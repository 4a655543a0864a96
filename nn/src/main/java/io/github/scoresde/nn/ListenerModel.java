package io.github.scoresde.nn;

import java.lang.reflect.Proxy;
import org.deeplearning4j.nn.api.Model;

/**
 * A read-only DL4J {@link Model} view of a network that is not a DL4J model (the SameDiff U-Net),
 * handed to DL4J {@link org.deeplearning4j.optimize.api.TrainingListener}s after each step so that
 * the same listeners (EMA, loss logging, progress bars) serve every {@link ScoreNetwork}. It
 * answers {@code score()}, {@code params()} (live), {@code numParams()} and {@code toString()};
 * every other method throws {@link UnsupportedOperationException}.
 */
final class ListenerModel {
    private ListenerModel() {
    }

    static Model of(ScoreNetwork network, double score) {
        return (Model) Proxy.newProxyInstance(Model.class.getClassLoader(), new Class<?>[] {Model.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "score" -> score;
                    case "params" -> network.params();
                    case "numParams" -> network.params().length();
                    case "toString" -> network.toString();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName() + " on a listener's view of "
                            + network);
                });
    }
}
