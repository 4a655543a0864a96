package io.github.scoresde.examples;

import io.github.scoresde.samplers.SamplingListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Progress reporting for long commands: a progress bar on an interactive terminal, plain periodic
 * log lines otherwise (CI, pipes, files).
 */
public final class Progress {
    private Progress() {
    }

    /** Whether standard error is an interactive terminal. */
    public static boolean interactive() {
        return System.console() != null && System.getenv("CI") == null;
    }

    /** A DL4J listener showing training progress (null when log lines are used instead). */
    public static TrainingListener trainingBar(long total, long start) {
        if (!interactive()) {
            return null;
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).startsFrom(start, java.time.Duration.ZERO).build();
        return new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                bar.stepTo(Math.min(total, iteration + 1L));
                bar.setExtraMessage(String.format("loss %.4f", model.score()));
                if (iteration + 1L >= total) {
                    bar.close();
                }
            }
        };
    }

    /** A sampling listener: a bar on a terminal, a log line every tenth of the run otherwise. */
    public static SamplingListener samplingListener(String task) {
        if (!interactive()) {
            return new SamplingListener() {
                private final SamplingListener log = SamplingListener.logging(100);

                @Override
                public void onStep(int step, int steps, double t, INDArray x) {
                    log.onStep(step, steps, t, x);
                }
            };
        }
        return new SamplingListener() {
            private ProgressBar bar;

            @Override
            public void onStep(int step, int steps, double t, INDArray x) {
                if (bar == null) {
                    bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                            .setStyle(ProgressBarStyle.ASCII).build();
                }
                bar.stepTo(step + 1L);
                if (step + 1 == steps) {
                    bar.close();
                    bar = null;
                }
            }
        };
    }

    /**
     * A consumer of the fraction of a long computation done (an ODE solve: likelihood, encoding,
     * decoding, probability-flow sampling): a bar on a terminal, a log line at every tenth
     * otherwise.
     */
    public static java.util.function.DoubleConsumer fraction(String task) {
        if (!interactive()) {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Progress.class);
            int[] tenths = {0};
            return f -> {
                int k = (int) Math.floor(f * 10 + 1e-9);
                if (k > tenths[0]) {
                    tenths[0] = k;
                    log.info("{}: {}% of the time span", task, 10 * k);
                }
            };
        }
        ProgressBar[] bar = new ProgressBar[1];
        return f -> {
            if (bar[0] == null) {
                bar[0] = new ProgressBarBuilder().setTaskName(task).setInitialMax(1000)
                        .setStyle(ProgressBarStyle.ASCII).build();
            }
            bar[0].stepTo(Math.round(f * 1000));
            if (f >= 1) {
                bar[0].close();
                bar[0] = null;
            }
        };
    }
}
