package io.github.scoresde.samplers.guidance;

/** The labels of a chunk of samples: one label for all, or one per sample index. */
final class Labels {
    private Labels() {
    }

    /** The labels of samples {@code firstIndex .. firstIndex + rows}. */
    static int[] of(int[] labels, long firstIndex, int rows) {
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            long idx = firstIndex + i;
            if (labels.length > 1 && idx >= labels.length) {
                throw new IllegalArgumentException("labels holds " + labels.length + " labels but sample " + idx
                        + " was requested");
            }
            y[i] = labels.length == 1 ? labels[0] : labels[(int) idx];
        }
        return y;
    }

    /** Checks a guidance weight: non-negative and finite. */
    static double weight(double w) {
        if (!(w >= 0) || !Double.isFinite(w)) {
            throw new IllegalArgumentException("guidance weight must be non-negative and finite; got " + w);
        }
        return w;
    }
}
