package io.github.scoresde.nn;

import static io.github.scoresde.core.testing.NdAssert.assertClose;
import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.RandomSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class MlpScoreNetworkTest {
    private static MlpConfig tiny(LossReduction r) {
        return MlpConfig.builder(3).layers(8, 2).frequencies(4, 2.0).seed(7).reduction(r).build();
    }

    /** Adam at 1e-3 without gradient clipping, for the tiny networks. */
    private static final AdamSettings NO_CLIP = AdamSettings.builder().gradientClip(0).build();

    @Test
    void toyMlpHasTheBenchmarkShape() {
        MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.toyMlp(2));
        // (2 + 128) x 256 + 256, 2 x (256 x 256 + 256), 256 x 2 + 2
        assertEquals(130 * 256 + 256 + 2 * (256 * 256 + 256) + 256 * 2 + 2, net.network().numParams());
        INDArray out = net.output(Nd4j.zeros(DataType.FLOAT, 5, 2), Nd4j.linspace(0, 1, 5, DataType.FLOAT));
        assertArrayEquals(new long[] {5, 2}, out.shape());
        assertEquals(DataType.FLOAT, out.dataType());
        assertEquals(128, net.embedding().size());
        // one updater block over every parameter: FusedAdam's clipping is by the global norm
        assertEquals(1, ((org.deeplearning4j.nn.updater.BaseMultiLayerUpdater<?>) net.network().getUpdater())
                .getUpdaterBlocks().size());
        assertEquals(1.0, ((FusedAdam) ((org.deeplearning4j.nn.conf.layers.BaseLayer) net.network()
                .getLayerWiseConfigurations().getConf(0).getLayer()).getIUpdater()).getGradientClip());
    }

    @Test
    void featuresFromJavaArraysEqualTheNdArrayVariant() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.builder(2).seed(5).classes(3).build(), AdamSettings.defaults(), type);
            INDArray x = RandomSource.of(3).gaussian(DataType.FLOAT, 0, 40, 2);
            INDArray t = Nd4j.linspace(0.01, 1, 40, DataType.DOUBLE);
            int[] labels = new int[40];
            for (int i = 0; i < 40; i++) {
                labels[i] = i % 4 - 1;
            }
            INDArray expected = net.features(x, t, labels);
            INDArray fromArrays = net.features(x.data().asFloat(), t.toDoubleVector(), labels);
            assertEquals(type, fromArrays.dataType());
            assertArrayEquals(expected.shape(), fromArrays.shape());
            assertEquals(expected, fromArrays);
        }
        MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.builder(2).seed(5).build());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> net.features(new float[7], new double[4], null));
        assertTrue(e.getMessage().contains("4 rows of 2 values") && e.getMessage().contains("got 7"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> net.features(new float[8], new double[4], new int[] {0, 0, 0, 0}));
    }

    @Test
    void sharedTimeOutputEqualsTheFullFeaturePath() {
        for (int classes : new int[] {0, 3}) {
            MlpScoreNetwork net = MlpScoreNetwork.create(MlpConfig.builder(2).seed(5).classes(classes).build());
            INDArray x = RandomSource.of(3).gaussian(DataType.FLOAT, 0, 300, 2);
            INDArray t = Nd4j.valueArrayOf(new long[] {300}, 0.37f);
            int[] labels = classes == 0 ? null : new int[300];
            if (labels != null) {
                java.util.Arrays.fill(labels, 1);
            }
            INDArray full = net.network().output(net.features(x, t, labels), false);
            INDArray shared = net.output(x, t, labels);
            assertClose(full, shared, 1e-4, 1e-5);
            // distinct times take the full path and agree with it row by row
            INDArray t2 = Nd4j.linspace(0.01, 1, 300, DataType.FLOAT);
            INDArray one = net.output(x.getRow(7, true), t2.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 8)),
                    labels == null ? null : new int[] {1});
            assertClose(net.output(x, t2, labels).getRow(7).toDoubleVector(), one.getRow(0).toDoubleVector(),
                    1e-5, 1e-6);
        }
    }

    @Test
    void fourierFeaturesAreSinesAndCosinesOfTheFrequencies() {
        FourierTimeEmbedding e = new FourierTimeEmbedding(new double[] {1.5, -3});
        INDArray f = e.embed(Nd4j.createFromArray(0.2), DataType.DOUBLE);
        assertClose(new double[] {Math.sin(2 * Math.PI * 0.3), Math.sin(-2 * Math.PI * 0.6),
                Math.cos(2 * Math.PI * 0.3), Math.cos(2 * Math.PI * 0.6)}, f.toDoubleVector(), 1e-12, 1e-12);
        double[] w = FourierTimeEmbedding.random(20_000, 16, 1).frequencies();
        double var = 0;
        for (double x : w) {
            var += x * x / w.length;
        }
        assertEquals(256, var, 256 * 5 * Math.sqrt(2.0 / w.length));
    }

    @Test
    void vectorJacobianProductMatchesFiniteDifferences() {
        MlpScoreNetwork net = MlpScoreNetwork.create(tiny(LossReduction.HALF_SUM), NO_CLIP, DataType.DOUBLE);
        INDArray x = RandomSource.of(1).gaussian(DataType.DOUBLE, 0, 4, 3);
        INDArray t = Nd4j.createFromArray(0.1, 0.4, 0.7, 1.0);
        INDArray v = RandomSource.of(2).gaussian(DataType.DOUBLE, 0, 4, 3);
        INDArray vjp = net.vectorJacobianProduct(x, t, v);
        INDArray fd = Nd4j.create(DataType.DOUBLE, 4, 3);
        double h = 1e-6;
        for (int j = 0; j < 3; j++) {
            INDArray xp = x.dup();
            INDArray xm = x.dup();
            xp.getColumn(j).addi(h);
            xm.getColumn(j).subi(h);
            INDArray diff = net.output(xp, t).sub(net.output(xm, t)).muli(v).sum(1).divi(2 * h);
            fd.getColumn(j).assign(diff);
        }
        assertClose(fd, vjp, 1e-6, 1e-8);
        // the float32 network agrees with its own float64 twin's formula to float precision
        MlpScoreNetwork f32 = MlpScoreNetwork.create(tiny(LossReduction.HALF_SUM), NO_CLIP);
        assertEquals(DataType.FLOAT, f32.vectorJacobianProduct(x, t, v).dataType());
    }

    @Test
    void lossAndItsGradientMatchTheFormulaAndFiniteDifferences() {
        for (LossReduction r : LossReduction.values()) {
            MlpScoreNetwork net = MlpScoreNetwork.create(tiny(r), NO_CLIP, DataType.DOUBLE);
            INDArray x = RandomSource.of(3).gaussian(DataType.DOUBLE, 0, 5, 3);
            INDArray t = Nd4j.createFromArray(0.1, 0.3, 0.5, 0.7, 0.9);
            INDArray target = RandomSource.of(4).gaussian(DataType.DOUBLE, 0, 5, 3);
            INDArray w = Nd4j.createFromArray(1.0, 0.5, 2.0, 1.0, 3.0).reshape(5, 1);
            INDArray features = net.features(x, t);
            DataSet ds = new DataSet(features, Nd4j.concat(1, target, w));
            // the formula: mean over the batch of w c sum_d (out - target)^2
            INDArray out = net.output(x, t);
            INDArray per = out.sub(target);
            double expected = per.muli(per).sum(1).muli(w.reshape(5)).sumNumber().doubleValue() * r.factor(3) / 5;
            assertEquals(expected, net.network().score(ds), 1e-10);
            // parameter gradients against central differences of the score; DL4J's gradient is that of
            // the batch sum (its updater divides by the minibatch size), the score the batch mean
            net.network().setInput(features);
            net.network().setLabels(ds.getLabels());
            net.network().computeGradientAndScore();
            INDArray grad = net.network().gradient().gradient().dup();
            INDArray params = net.network().params();
            double h = 1e-6;
            for (int p : new int[] {0, 5, 17, (int) params.length() / 2, (int) params.length() - 1}) {
                double orig = params.getDouble(p);
                params.putScalar(p, orig + h);
                double plus = net.network().score(ds);
                params.putScalar(p, orig - h);
                double minus = net.network().score(ds);
                params.putScalar(p, orig);
                assertEquals(5 * (plus - minus) / (2 * h), grad.getDouble(p), 1e-6, "parameter " + p + " under " + r);
            }
        }
    }

    /** Counts DL4J listener calls and records the score each iteration reports. */
    private static final class CallCounter extends org.deeplearning4j.optimize.api.BaseTrainingListener {
        final java.util.List<String> calls = new java.util.ArrayList<>();
        final java.util.List<Double> scores = new java.util.ArrayList<>();

        @Override
        public void onForwardPass(org.deeplearning4j.nn.api.Model model, java.util.List<INDArray> activations) {
            calls.add("forward " + activations.size());
        }

        @Override
        public void onBackwardPass(org.deeplearning4j.nn.api.Model model) {
            calls.add("backward");
        }

        @Override
        public void onGradientCalculation(org.deeplearning4j.nn.api.Model model) {
            calls.add("gradient");
        }

        @Override
        public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
            calls.add("done " + iteration);
            scores.add(model.score());
        }
    }

    /**
     * One step of each network on the batch, the written-out one through {@code fit}, the other
     * through DL4J's: the same loss, Adam moments (which hold every step's clipped gradient) and
     * parameters, to float32 rounding.
     */
    private static void assertSameStep(MlpScoreNetwork written, MlpScoreNetwork dl4j, DenoisingBatch batch, int k) {
        double loss = written.fit(batch.toMultiDataSet());
        dl4j.network().fit(dl4j.trainingBatch(batch));
        assertEquals(dl4j.network().score(), loss, 1e-5 * Math.abs(loss), "loss at step " + k);
        assertClose(dl4j.network().getUpdater().getStateViewArray(),
                written.network().getUpdater().getStateViewArray(), 1e-4, 1e-7);
        assertClose(dl4j.params(), written.params(), 1e-4, 1e-6);
    }

    @Test
    void writtenOutTrainingStepEqualsDl4jFit() {
        // class-conditional, learning-rate warm-up and global clipping: everything the step passes through
        MlpConfig config = MlpConfig.builder(3).layers(16, 3).frequencies(4, 2.0).seed(11).classes(2).build();
        AdamSettings adam = AdamSettings.builder().warmup(3).gradientClip(0.5).build();
        MlpScoreNetwork written = MlpScoreNetwork.create(config, adam);
        MlpScoreNetwork dl4j = MlpScoreNetwork.create(config, adam);
        org.junit.jupiter.api.Assertions.assertNotNull(MlpPasses.of(written.network(), written::features), "the passes apply");
        CallCounter writtenCalls = new CallCounter();
        CallCounter dl4jCalls = new CallCounter();
        written.setListeners(java.util.List.of(writtenCalls));
        dl4j.setListeners(java.util.List.of(dl4jCalls));
        int[] batches = {12, 12, 5, 12, 12};
        for (int k = 0; k < batches.length; k++) {
            int n = batches[k];
            RandomSource r = RandomSource.of(100 + k);
            INDArray x = r.stream(1).gaussian(DataType.FLOAT, 0, n, 3);
            INDArray t = r.stream(2).uniform(DataType.FLOAT, 0, n).muli(0.95).addi(0.05);
            INDArray target = r.stream(3).gaussian(DataType.FLOAT, 0, n, 3);
            INDArray weight = r.stream(4).uniform(DataType.FLOAT, 0, n).muli(1.5).addi(0.5);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 3 - 1;
            }
            assertSameStep(written, dl4j, new DenoisingBatch(x, t, target, weight, labels), k);
        }
        assertEquals(batches.length, written.network().getIterationCount());
        assertEquals(dl4jCalls.calls, writtenCalls.calls);
        assertClose(dl4jCalls.scores.stream().mapToDouble(Double::doubleValue).toArray(),
                writtenCalls.scores.stream().mapToDouble(Double::doubleValue).toArray(), 1e-5, 0);
    }

    @Test
    void writtenOutStepAtVectorSizesTrainsAsDl4jFit() {
        // batches of whole vectors plus a tail (the kernels' vector loops), a change of size included
        MlpConfig config = MlpConfig.builder(2).layers(32, 3).frequencies(8, 4.0).seed(5).build();
        MlpScoreNetwork written = MlpScoreNetwork.create(config);
        MlpScoreNetwork dl4j = MlpScoreNetwork.create(config);
        int[] batches = {200, 200, 131, 200};
        for (int k = 0; k < batches.length; k++) {
            int n = batches[k];
            RandomSource r = RandomSource.of(300 + k);
            assertSameStep(written, dl4j, new DenoisingBatch(r.stream(1).gaussian(DataType.FLOAT, 0, n, 2),
                    r.stream(2).uniform(DataType.FLOAT, 0, n).muli(0.99).addi(0.01),
                    r.stream(3).gaussian(DataType.FLOAT, 0, n, 2), r.stream(4).uniform(DataType.FLOAT, 0, n).addi(0.5),
                    null), k);
        }
        assertEquals(batches.length, written.network().getIterationCount());
    }

    @Test
    void writtenOutStepAppliesOnlyToFusedFloatNetworks() {
        MlpConfig config = MlpConfig.builder(2).layers(8, 2).frequencies(4, 2.0).seed(3).build();
        MlpScoreNetwork plain = MlpScoreNetwork.create(config);
        assertTrue(MlpPasses.of(plain.network(), plain::features) != null);
        // float64 (gradient checks) and other activations train through DL4J's fit
        assertEquals(null, MlpPasses.of(MlpScoreNetwork.create(config, NO_CLIP, DataType.DOUBLE).network(), null));
        assertEquals(null, MlpPasses.of(MlpScoreNetwork.create(config.toBuilder()
                .activation(org.nd4j.linalg.activations.Activation.TANH).build()).network(), null));
    }

    @Test
    void networkScoreDividesByTheMarginalStd() {
        MlpScoreNetwork net = MlpScoreNetwork.create(tiny(LossReduction.HALF_SUM), NO_CLIP);
        NetworkScoreFunction score = new NetworkScoreFunction(net, Parameterization.DIVIDE_BY_MARGINAL_STD, t -> 0.5 + t, 1.0);
        INDArray x = RandomSource.of(5).gaussian(DataType.FLOAT, 0, 2, 3);
        INDArray t = Nd4j.createFromArray(0.5f, 1.0f);
        INDArray s = score.score(x, t);
        INDArray out = net.output(x, t);
        assertClose(out.getRow(0).div(1.0), s.getRow(0), 1e-6, 1e-7);
        assertClose(out.getRow(1).div(1.5), s.getRow(1), 1e-6, 1e-7);
        INDArray v = Nd4j.ones(DataType.FLOAT, 2, 3);
        assertClose(net.vectorJacobianProduct(x, t, v).getRow(1).div(1.5), score.vectorJacobianProduct(x, t, v).getRow(1),
                1e-6, 1e-7);
        NetworkScoreFunction direct = new NetworkScoreFunction(net, Parameterization.DIRECT, u -> 0.0, 1.0);
        assertClose(out, direct.score(x, t), 0, 0);
        assertRejects(() -> new NetworkScoreFunction(net, Parameterization.DIVIDE_BY_MARGINAL_STD, u -> 0.0, 1.0)
                .score(x, t), "marginal std must be positive", "t = 0.5");
        assertRejects(() -> score.score(Nd4j.zeros(DataType.FLOAT, 2, 2), t), "x must have shape [batch, 3]");
        assertRejects(() -> score.score(x, Nd4j.createFromArray(0.5f, 2f)), "t must lie in [0, 1.0]", "2.0 at index 1");
    }

    @Test
    void configRejectsBadValuesAndRoundTripsAsProperties() {
        assertRejects(() -> MlpConfig.builder(0).build(), "dimension must be positive", "0");
        assertRejects(() -> AdamSettings.builder().learningRate(-1).build(), "learningRate must be positive");
        assertRejects(() -> MlpConfig.builder(2).layers(0, 3).build(), "width must be positive");
        assertRejects(() -> MlpConfig.builder(2).classes(1).build(), "classes must be 0");
        assertEquals(MlpConfig.toyMlp(2).toBuilder().seed(3).build(), MlpConfig.builder(2).seed(3).build());
        MlpConfig c = tiny(LossReduction.MEAN);
        java.util.Map<String, String> map = new java.util.HashMap<>();
        for (String line : c.toProperties().split("\\R")) {
            String[] kv = line.split("=", 2);
            map.put(kv[0], kv[1]);
        }
        assertEquals(c, MlpConfig.parse(map));
        AdamSettings a = AdamSettings.builder().learningRate(2e-4).warmup(100).gradientClip(0.5).build();
        for (String line : a.toProperties().split("\\R")) {
            String[] kv = line.split("=", 2);
            map.put(kv[0], kv[1]);
        }
        assertEquals(a, AdamSettings.parse(map));
        map.remove("depth");
        assertRejects(() -> MlpConfig.parse(map), "missing \"depth\"");
        assertTrue(c.toString().contains("width=8"));
    }

    /** Every seed is a seed, 0 included (DL4J treats a configuration seed of 0 as "unseeded"). */
    @Test
    void sameSeedSameNetworkForEverySeed() {
        for (long seed : new long[] {0, 1, -1, Long.MIN_VALUE}) {
            MlpConfig c = MlpConfig.builder(2).layers(16, 2).seed(seed).build();
            assertEquals(MlpScoreNetwork.create(c).params(), MlpScoreNetwork.create(c).params(), "seed " + seed);
        }
        assertTrue(!MlpScoreNetwork.create(MlpConfig.builder(2).layers(16, 2).seed(0).build()).params()
                .equals(MlpScoreNetwork.create(MlpConfig.builder(2).layers(16, 2).seed(1).build()).params()));
    }
}
