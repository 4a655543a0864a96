package io.github.scoresde.tools;

import io.github.scoresde.core.RandomSource;
import io.github.scoresde.nn.AdamSettings;
import io.github.scoresde.nn.UNetConfig;
import io.github.scoresde.nn.UNetScoreNetwork;
import io.github.scoresde.sde.VeSde;
import io.github.scoresde.training.Trainer;
import io.github.scoresde.training.data.DataScaler;
import io.github.scoresde.training.data.DataSource;
import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageSource;
import java.nio.file.Files;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The image workloads of the bench (docs/benchmarks.md): B6, training steps per second of the
 * tutorial U-Net at batch 64 (Fashion-MNIST when installed, else uniform noise images: timing
 * only), the median of 3 runs of 50 steps after a warm-up run, and the peak resident memory
 * ({@link PeakMemory}) beside the reference process's; B7, forward passes per second at
 * batch 256 and input VJPs per second at batch 64 at t = 0.5, medians of 10 after 3 warm-up calls.
 * Each beside the PyTorch reference's b6_unet.py when it is installed.
 */
final class ImageBench {
    private static final int RUNS = 3;
    private static final int STEPS = 50;
    private static final int CALLS = 10;
    private final BenchReport report;
    private final PyTorchReference reference;

    ImageBench(BenchReport report, PyTorchReference reference) {
        this.report = report;
        this.reference = reference;
    }

    void b6() {
        boolean fashion = Files.isDirectory(ImageData.FASHION_MNIST);
        DataSource data = fashion
                ? ImageSource.of(IdxFiles.readFolder(ImageData.FASHION_MNIST, IdxFiles.Split.TRAIN))
                : new DataSource() {
                    @Override
                    public int dimension() {
                        return 784;
                    }

                    @Override
                    public INDArray batch(int n, RandomSource rng) {
                        return rng.uniform(DataType.FLOAT, 0, n, 784);
                    }

                    @Override
                    public String name() {
                        return "uniform noise";
                    }
                };
        VeSde sde = new VeSde(VeSde.DEFAULT_SIGMA_MIN, 25);
        // a whole run first: the JIT compiles the kernels over the first tens of steps
        run(data, sde, STEPS);
        double[] rates = new double[RUNS];
        boolean peakReset = false;
        for (int i = 0; i < RUNS; i++) {
            if (i == RUNS - 1) {
                // the memory figure is the last run's: what one training run holds, without the
                // earlier runs' networks waiting for the collector
                System.gc();
                peakReset = PeakMemory.reset();
            }
            rates[i] = run(data, sde, STEPS);
        }
        double peak = PeakMemory.megabytes();
        Arrays.sort(rates);
        org.nd4j.shade.jackson.databind.JsonNode ref = reference == null ? null
                : reference.b6("train", Integer.toString(STEPS), "64");
        report.compared("B6", "training steps/s (tutorial U-Net, " + (fashion ? "fashion-mnist" : "noise images")
                + ", batch 64)", "b6.steps_per_second", rates[RUNS / 2], ref == null ? Double.NaN
                : BenchReport.at(ref, "steps_per_s"), true, 2, String.format("median of %d runs of %d steps after a "
                + "warm-up run (%.2f..%.2f)", RUNS, STEPS, rates[0], rates[RUNS - 1]));
        report.compared("B6", "peak resident memory, MB (\"speed-up\": PyTorch's / ours)", "b6.peak_rss_mb", peak,
                ref == null ? Double.NaN : BenchReport.at(ref, "max_rss_mb"), false, 0, (peakReset
                ? "this JVM during the last run" : "this JVM so far") + "; the reference's whole process");
    }

    private static double run(DataSource data, VeSde sde, int steps) {
        UNetScoreNetwork net = UNetScoreNetwork.create(UNetConfig.tutorial(),
                AdamSettings.builder().learningRate(1e-4).build());
        Trainer.Settings settings = Trainer.Settings.builder().steps(steps).batchSize(64).seed(1).build();
        return new Trainer(settings).train(net, sde, data, DataScaler.identity(784)).stepsPerSecond();
    }

    void b7() {
        UNetScoreNetwork net = UNetScoreNetwork.create(UNetConfig.tutorial());
        INDArray x = RandomSource.of(1).gaussian(DataType.FLOAT, 0, 256, 1, 28, 28);
        INDArray t = Nd4j.valueArrayOf(new long[] {256}, 0.5f);
        double forward = 1 / medianSeconds(() -> net.output(x, t));
        INDArray x64 = RandomSource.of(2).gaussian(DataType.FLOAT, 0, 64, 1, 28, 28);
        INDArray v64 = RandomSource.of(3).gaussian(DataType.FLOAT, 0, 64, 1, 28, 28);
        INDArray t64 = Nd4j.valueArrayOf(new long[] {64}, 0.5f);
        double vjp = 1 / medianSeconds(() -> net.vectorJacobianProduct(x64, t64, v64));
        double refForward = reference == null ? Double.NaN
                : BenchReport.at(reference.b6("forward", "256"), "per_s");
        double refVjp = reference == null ? Double.NaN : BenchReport.at(reference.b6("vjp", "64"), "per_s");
        report.compared("B7", "forward passes/s (tutorial U-Net, batch 256)", "b7.forward_per_second", forward,
                refForward, true, 2, "median of " + CALLS);
        report.compared("B7", "input VJPs/s (tutorial U-Net, batch 64)", "b7.vjp_per_second", vjp, refVjp, true, 2,
                "median of " + CALLS);
    }

    private static double medianSeconds(Runnable call) {
        for (int i = 0; i < 3; i++) {
            call.run();
        }
        double[] s = new double[CALLS];
        for (int i = 0; i < CALLS; i++) {
            long t0 = System.nanoTime();
            call.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(s);
        return s[CALLS / 2];
    }
}
