package io.github.scoresde.training.data;

import io.github.scoresde.core.Checks;
import io.github.scoresde.oracle.GaussianMixture;
import io.github.scoresde.core.RandomSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The toy data sets, generated in code (BENCHMARKS.md): Gaussian mixtures, {@code checkerboard},
 * {@code moons} and {@code swiss-roll}; {@link ToyData} names them as a choice. Example i of a batch depends
 * only on the source of randomness and i.
 */
public final class ToyDatasets {
    private ToyDatasets() {
    }

    /**
     * Draws from a Gaussian mixture.
     *
     * @param name the data set's name in logs and model files
     */
    public static DataSource mixture(String name, GaussianMixture m) {
        Checks.notNull("m", m);
        return new Generated(name, m.dimension(), (n, rng) -> m.sample(n, rng));
    }

    /**
     * Uniform on the 8 dark squares of a 4 x 4 board on [-2, 2]^2: cell (i, j) = [i - 2, i - 1] x
     * [j - 2, j - 1] is dark when i + j is even.
     */
    public static DataSource checkerboard() {
        return new Generated("checkerboard", 2, (n, rng) -> {
            float[] v = new float[2 * n];
            for (int b = 0; b < n; b++) {
                int cell = (int) Math.min(7, Math.floor(8 * rng.uniform(b, 0)));
                // the k-th dark cell in row-major order of (i, j) with i + j even
                int i = cell / 2;
                int j = 2 * (cell % 2) + (i % 2);
                v[2 * b] = (float) (i - 2 + rng.uniform(b, 1));
                v[2 * b + 1] = (float) (j - 2 + rng.uniform(b, 2));
            }
            return io.github.scoresde.core.NdArrays.floats(v, n, 2);
        });
    }

    /**
     * Two interleaving half circles: (cos a, sin a) and (1 - cos a, 1/2 - sin a) for a ~ U[0, pi],
     * plus N(0, 0.05^2) noise, then centred and scaled by 2 to span about [-2.5, 2.5] x [-1.5, 1.5].
     */
    public static DataSource moons() {
        return new Generated("moons", 2, (n, rng) -> {
            float[] v = new float[2 * n];
            for (int b = 0; b < n; b++) {
                double a = Math.PI * rng.uniform(b, 0);
                boolean upper = rng.uniform(b, 1) < 0.5;
                double x = upper ? Math.cos(a) : 1 - Math.cos(a);
                double y = upper ? Math.sin(a) : 0.5 - Math.sin(a);
                v[2 * b] = (float) (2 * (x - 0.5 + 0.05 * rng.gaussian(b, 2)));
                v[2 * b + 1] = (float) (2 * (y - 0.25 + 0.05 * rng.gaussian(b, 3)));
            }
            return io.github.scoresde.core.NdArrays.floats(v, n, 2);
        });
    }

    /**
     * A 2-D swiss roll: u = 1.5 pi (1 + 2 r), r ~ U[0, 1), point (u cos u, u sin u) / 5 plus
     * N(0, 0.05^2) noise, spanning about [-2, 2]^2.
     */
    public static DataSource swissRoll() {
        return new Generated("swiss-roll", 2, (n, rng) -> {
            float[] v = new float[2 * n];
            for (int b = 0; b < n; b++) {
                double u = 1.5 * Math.PI * (1 + 2 * rng.uniform(b, 0));
                v[2 * b] = (float) (u * Math.cos(u) / 5 + 0.05 * rng.gaussian(b, 1));
                v[2 * b + 1] = (float) (u * Math.sin(u) / 5 + 0.05 * rng.gaussian(b, 2));
            }
            return io.github.scoresde.core.NdArrays.floats(v, n, 2);
        });
    }

    private interface Generator {
        INDArray draw(int n, RandomSource rng);
    }

    private record Generated(String name, int dimension, Generator generator) implements DataSource {
        @Override
        public INDArray batch(int n, RandomSource rng) {
            Checks.positive("n", n);
            Checks.notNull("rng", rng);
            return generator.draw(n, rng);
        }
    }
}
