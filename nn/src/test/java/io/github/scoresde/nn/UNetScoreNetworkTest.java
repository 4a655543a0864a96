package io.github.scoresde.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

class UNetScoreNetworkTest {

    /** 1 x 8 x 8 images, two levels (8 -> 6 -> 2): the decoder pads 5 -> 6 like output_padding. */
    private static UNetConfig tiny(int classes) {
        return UNetConfig.builder(1, 8, 8).channels(4, 8).groups(2, 4).embedding(8).classes(classes).seed(3).build();
    }

    private static INDArray gaussian(DataType type, long seed, long... shape) {
        long[] row = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        return RandomSource.of(seed).gaussian(type, 0, (int) shape[0], row);
    }

    @Test
    void theTutorialPresetHasTheTutorialsParameterCount() {
        assertEquals(1_115_297L, UNetScoreNetwork.numParams(UNetConfig.tutorial()));
        UNetScoreNetwork net = UNetScoreNetwork.create(UNetConfig.tutorial());
        assertEquals(1_115_297L, net.params().length());
        INDArray x = gaussian(DataType.FLOAT, 1, 2, 1, 28, 28);
        INDArray out = net.output(x, Nd4j.createFromArray(0.1f, 0.9f));
        assertArrayEquals(new long[] {2, 1, 28, 28}, out.shape());
        assertTrue(Double.isFinite(out.sumNumber().doubleValue()));
    }

    @Test
    void outputsHaveTheImageShapeAndDependOnTime() {
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(0));
        INDArray x = gaussian(DataType.FLOAT, 2, 3, 1, 8, 8);
        INDArray a = net.output(x, Nd4j.createFromArray(0.2f, 0.2f, 0.2f));
        INDArray b = net.output(x, Nd4j.createFromArray(0.2f, 0.7f, 0.2f));
        assertArrayEquals(new long[] {3, 1, 8, 8}, a.shape());
        assertEquals(0, a.slice(0).distance2(b.slice(0)), 0);
        assertTrue(a.slice(1).distance2(b.slice(1)) > 1e-4);
        assertThrows(IllegalArgumentException.class, () -> net.output(gaussian(DataType.FLOAT, 2, 3, 1, 9, 8),
                Nd4j.createFromArray(0.2f, 0.2f, 0.2f)));
    }

    @Test
    void vectorJacobianProductsMatchFiniteDifferences() {
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(0), AdamSettings.defaults(), DataType.DOUBLE);
        INDArray x = gaussian(DataType.DOUBLE, 4, 2, 1, 8, 8);
        INDArray t = Nd4j.createFromArray(0.3, 0.8);
        INDArray v = gaussian(DataType.DOUBLE, 5, 2, 1, 8, 8);
        INDArray vjp = net.vectorJacobianProduct(x, t, v);
        assertArrayEquals(x.shape(), vjp.shape());
        double h = 1e-6;
        for (int k : new int[] {0, 9, 27, 63, 64 + 5, 64 + 40, 127}) {
            INDArray xp = x.dup();
            INDArray xm = x.dup();
            long[] idx = {k / 64, 0, (k % 64) / 8, k % 8};
            xp.putScalar(idx, x.getDouble(idx) + h);
            xm.putScalar(idx, x.getDouble(idx) - h);
            // v^T d net / d x_k: only example k / 64 depends on x_k
            double fd = net.output(xp, t).sub(net.output(xm, t)).mul(v).sumNumber().doubleValue() / (2 * h);
            assertEquals(fd, vjp.getDouble(idx), 1e-6 * Math.max(1, Math.abs(fd)), "pixel " + k);
        }
    }

    @Test
    void passesOfOneBatchSizeShareBuffersWithoutLeakingIntoEachOther() {
        // a training gradient, then VJPs and an output at the same batch size, against copies that
        // made only one of them (an input gradient padded where a convolution dropped rows must
        // be zero there whatever earlier passes left in its buffer)
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(0));
        UNetScoreNetwork fresh = net.withParameters(net.params());
        INDArray x = gaussian(DataType.FLOAT, 4, 2, 1, 8, 8);
        INDArray t = Nd4j.createFromArray(0.3f, 0.8f);
        INDArray v = gaussian(DataType.FLOAT, 5, 2, 1, 8, 8);
        net.gradient(new DenoisingBatch(x, t, v, Nd4j.createFromArray(1f, 1f), null).toMultiDataSet());
        assertEquals(fresh.vectorJacobianProduct(x, t, v), net.vectorJacobianProduct(x, t, v));
        // and VJPs after VJPs (the likelihood's sequence), each equal to a fresh network's first
        for (long seed = 6; seed < 9; seed++) {
            INDArray w = gaussian(DataType.FLOAT, seed, 2, 1, 8, 8);
            assertEquals(net.withParameters(net.params()).vectorJacobianProduct(x, t, w),
                    net.vectorJacobianProduct(x, t, w), "probe " + seed);
        }
        assertEquals(fresh.output(x, t), net.output(x, t));
    }

    @Test
    void eachExampleGetsWhatItGetsAloneWhateverTheBatchSizeAndLayout() {
        // batch sizes 5, 1, 2 in turn (the passes' arrays are remade per size), rows of a larger
        // array as a view, and a column-major copy: each example's output and VJP as computed alone
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(0));
        INDArray big = gaussian(DataType.FLOAT, 7, 7, 1, 8, 8);
        INDArray x = rows(big, 1, 6);
        INDArray t = Nd4j.createFromArray(0.1f, 0.3f, 0.5f, 0.7f, 0.9f);
        INDArray v = gaussian(DataType.FLOAT, 8, 5, 1, 8, 8);
        INDArray out = net.output(x, t);
        INDArray vjp = net.vectorJacobianProduct(x, t, v);
        // (slice(4) of the view x reads as empty in ND4J M2.1: the rows are taken from a copy)
        INDArray copy = x.dup();
        for (int i = 0; i < 5; i++) {
            INDArray xi = copy.slice(i).dup().reshape(1, 1, 8, 8);
            INDArray ti = Nd4j.createFromArray(t.getFloat(i));
            INDArray vi = v.slice(i).dup().reshape(1, 1, 8, 8);
            assertEquals(0, out.slice(i).sub(net.output(xi, ti).slice(0)).amaxNumber().doubleValue(), 1e-5, "output " + i);
            assertEquals(0, vjp.slice(i).sub(net.vectorJacobianProduct(xi, ti, vi).slice(0)).amaxNumber().doubleValue(),
                    1e-5, "VJP " + i);
        }
        INDArray pair = rows(x, 0, 2).dup('f');
        INDArray pairOut = net.output(pair, Nd4j.createFromArray(0.1f, 0.3f));
        assertEquals(0, pairOut.sub(rows(out, 0, 2)).amaxNumber().doubleValue(), 1e-5, "a column-major batch");
    }

    /** Rows [from, to) of an image batch, a view. */
    private static INDArray rows(INDArray a, long from, long to) {
        org.nd4j.linalg.indexing.INDArrayIndex all = org.nd4j.linalg.indexing.NDArrayIndex.all();
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), all, all, all);
    }

    @Test
    void parameterGradientsMatchFiniteDifferencesOfTheLoss() {
        // float64, class-conditional (the label embedding is differentiated too), per-example weights
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(3), AdamSettings.defaults(), DataType.DOUBLE);
        net.params().addi(gaussian(DataType.DOUBLE, 9, net.params().length()).muli(0.1));
        INDArray x = gaussian(DataType.DOUBLE, 4, 3, 1, 8, 8);
        MultiDataSet batch = new DenoisingBatch(x, Nd4j.createFromArray(0.3, 0.8, 0.5),
                gaussian(DataType.DOUBLE, 5, 3, 1, 8, 8), Nd4j.createFromArray(1.0, 0.5, 2.0), new int[] {2, -1, 0})
                .toMultiDataSet();
        UNetScoreNetwork.BatchGradient g = net.gradient(batch);
        assertEquals(net.loss(batch), g.loss(), 1e-12);
        java.util.Map<String, long[]> layout = net.parameterLayout();
        long offset = 0;
        double h = 1e-6;
        for (java.util.Map.Entry<String, long[]> e : layout.entrySet()) {
            long len = java.util.Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            // the first, a middle and the last value of every tensor
            for (long i : new long[] {offset, offset + len / 2, offset + len - 1}) {
                double p0 = net.params().getDouble(i);
                net.params().putScalar(i, p0 + h);
                double up = net.loss(batch);
                net.params().putScalar(i, p0 - h);
                double down = net.loss(batch);
                net.params().putScalar(i, p0);
                double fd = (up - down) / (2 * h);
                assertEquals(fd, g.gradient().getDouble(i), 1e-6 * Math.max(1, Math.abs(fd)), e.getKey() + " at " + i);
            }
            offset += len;
        }
    }

    @Test
    void trainingStepsDecreaseTheLossOnATinySet() {
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(0), AdamSettings.builder().learningRate(1e-2).build());
        INDArray x = gaussian(DataType.FLOAT, 6, 8, 1, 8, 8);
        INDArray target = gaussian(DataType.FLOAT, 7, 8, 1, 8, 8);
        DenoisingBatch b = new DenoisingBatch(x, Nd4j.linspace(DataType.FLOAT, 0.1, 0.1, 8), target,
                Nd4j.ones(DataType.FLOAT, 8), null);
        double first = net.loss(b.toMultiDataSet());
        List<Double> seen = new ArrayList<>();
        net.setListeners(List.of(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                seen.add(model.score());
                assertEquals(net.params().length(), model.params().length());
            }
        }));
        double fitted = Double.NaN;
        for (int i = 0; i < 30; i++) {
            fitted = net.fit(b.toMultiDataSet());
        }
        assertEquals(30, seen.size());
        assertEquals(first, seen.get(0), 1e-4 * first, "fit returns the loss before its step");
        double last = net.loss(b.toMultiDataSet());
        assertTrue(last < 0.7 * first, "loss " + first + " -> " + last + " (last fit " + fitted + ")");
    }

    @Test
    void paramsAreLiveAndWithParametersCopiesThem() {
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(0));
        INDArray x = gaussian(DataType.FLOAT, 8, 2, 1, 8, 8);
        INDArray t = Nd4j.createFromArray(0.5f, 0.5f);
        UNetScoreNetwork copy = net.withParameters(net.params());
        assertEquals(0, net.output(x, t).distance2(copy.output(x, t)), 0);
        net.params().muli(1.5);
        assertTrue(net.output(x, t).distance2(copy.output(x, t)) > 1e-4, "the view changes the network");
        assertThrows(IllegalArgumentException.class, () -> net.withParameters(Nd4j.zeros(DataType.FLOAT, 10)));
    }

    @Test
    void labelsSteerAClassConditionalNetwork() {
        UNetScoreNetwork net = UNetScoreNetwork.create(tiny(3));
        INDArray x = gaussian(DataType.FLOAT, 9, 2, 1, 8, 8);
        INDArray t = Nd4j.createFromArray(0.5f, 0.5f);
        INDArray a = net.output(x, t, new int[] {0, -1});
        INDArray b = net.output(x, t, new int[] {2, -1});
        assertTrue(a.slice(0).distance2(b.slice(0)) > 1e-4);
        assertEquals(0, a.slice(1).distance2(b.slice(1)), 0);
        assertEquals(0, a.slice(1).distance2(net.output(x, t).slice(1)), 0, "no labels = the null class");
        assertThrows(IllegalArgumentException.class, () -> net.output(x, t, new int[] {3, 0}));
    }

    @Test
    void configurationsRoundTripAndBadOnesAreRefused() {
        UNetConfig c = tiny(3);
        java.util.Map<String, String> p = new java.util.HashMap<>();
        for (String line : c.toProperties().split("\n")) {
            String[] kv = line.split("=", 2);
            p.put(kv[0], kv[1]);
        }
        assertEquals(c, UNetConfig.parse(p));
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> UNetConfig.builder(1, 8, 8).build());
        assertTrue(small.getMessage().contains("too small"), small.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> UNetConfig.builder(1, 28, 28).channels(6, 8).groups(4, 4).build());
    }
}
