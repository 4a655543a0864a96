package io.github.scoresde.nn;

import io.github.scoresde.core.RandomSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.enums.PadMode;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The U-Net's architecture as a SameDiff graph ({@link UNetScoreNetwork} holds it and makes it a
 * {@link ScoreNetwork}): the parameter layout, PyTorch's default initialisation, the layers
 * (docs/architecture.md, "Images").
 */
final class UNetGraph {
    private static final double GROUP_NORM_EPS = 1e-5;

    private UNetGraph() {
    }

    /** The parameter names and shapes, in the order of the flat parameter array. */
    static Map<String, long[]> layout(UNetConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int e = c.embedding();
        int[] ch = c.channels();
        m.put("embed_W", new long[] {e, e});
        m.put("embed_b", new long[] {e});
        if (c.classes() > 0) {
            m.put("label_E", new long[] {c.classes() + 1, e});
        }
        int in = c.imageChannels();
        for (int i = 0; i < ch.length; i++) {
            m.put("enc" + i + "_conv", new long[] {3, 3, in, ch[i]});
            m.put("enc" + i + "_dense_W", new long[] {e, ch[i]});
            m.put("enc" + i + "_dense_b", new long[] {ch[i]});
            m.put("enc" + i + "_gn_gamma", new long[] {ch[i]});
            m.put("enc" + i + "_gn_beta", new long[] {ch[i]});
            in = ch[i];
        }
        for (int i = ch.length - 1; i >= 1; i--) {
            long inC = i == ch.length - 1 ? ch[i] : 2L * ch[i];
            // deconv2d weights are [kH, kW, outC, inC]
            m.put("dec" + i + "_tconv", new long[] {3, 3, ch[i - 1], inC});
            m.put("dec" + i + "_dense_W", new long[] {e, ch[i - 1]});
            m.put("dec" + i + "_dense_b", new long[] {ch[i - 1]});
            m.put("dec" + i + "_gn_gamma", new long[] {ch[i - 1]});
            m.put("dec" + i + "_gn_beta", new long[] {ch[i - 1]});
        }
        long lastIn = ch.length == 1 ? ch[0] : 2L * ch[0];
        m.put("out_tconv", new long[] {3, 3, c.imageChannels(), lastIn});
        m.put("out_b", new long[] {c.imageChannels()});
        return m;
    }

    /**
     * PyTorch's default initialisation: weights and biases uniform in +- 1 / sqrt(fan-in) (for a
     * transposed convolution the fan-in counts its output channels, as PyTorch does), GroupNorm
     * scales 1 and shifts 0, the label embedding N(0, 1).
     */
    static INDArray initialParams(UNetConfig c, Map<String, long[]> layout, DataType type, long n) {
        double[] p = new double[Math.toIntExact(n)];
        RandomSource rng = RandomSource.of(c.seed()).stream(0x11E7);
        int off = 0;
        long tensor = 0;
        Map<String, Double> bounds = new HashMap<>();
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            tensor++;
            String name = en.getKey();
            long[] s = en.getValue();
            int len = (int) length(s);
            if (name.endsWith("_gamma")) {
                Arrays.fill(p, off, off + len, 1);
            } else if (name.endsWith("_beta")) {
                Arrays.fill(p, off, off + len, 0);
            } else if (name.equals("label_E")) {
                for (int i = 0; i < len; i++) {
                    p[off + i] = rng.gaussian(tensor, i);
                }
            } else {
                double fanIn;
                if (name.endsWith("_W")) {
                    fanIn = s[0];
                    bounds.put(name.substring(0, name.length() - 2), fanIn);
                } else if (name.endsWith("_b")) {
                    String w = name.substring(0, name.length() - 2);
                    fanIn = name.equals("out_b") ? 9.0 * layout.get("out_tconv")[2] : bounds.get(w);
                } else {
                    // conv [3, 3, in, out]: fan-in 9 in; transposed conv [3, 3, out, in]: PyTorch counts 9 out
                    fanIn = 9.0 * s[2];
                }
                double bound = 1 / Math.sqrt(fanIn);
                for (int i = 0; i < len; i++) {
                    p[off + i] = (2 * rng.uniform(tensor, i) - 1) * bound;
                }
            }
            off += len;
        }
        return Nd4j.createFromArray(p).castTo(type);
    }

    /**
     * The graph, its variables viewing {@code params} (the flat array in {@code layout}'s order):
     * placeholders {@code x} [B, C, H, W], {@code fourier} [B, E] (and {@code label}
     * [B, classes + 1] one-hot), {@code target}, {@code weight} [B] and {@code v}; outputs
     * {@code out} (the network), {@code dsm} (the batch's loss) and the loss variable {@code loss}.
     */
    static SameDiff build(UNetConfig config, INDArray params, Map<String, long[]> layout, DataType dataType) {
        SameDiff g = SameDiff.create();
        Map<String, SDVariable> w = variables(g, params, layout);
        int c = config.imageChannels();
        SDVariable x = g.placeHolder("x", dataType, -1, c, config.height(), config.width());
        SDVariable fourier = g.placeHolder("fourier", dataType, -1, config.embedding());
        SDVariable e = fourier.mmul(w.get("embed_W")).add(w.get("embed_b"));
        if (config.classes() > 0) {
            SDVariable oneHot = g.placeHolder("label", dataType, -1, config.classes() + 1);
            e = e.add(oneHot.mmul(w.get("label_E")));
        }
        e = silu(g, e);
        int[] ch = config.channels();
        int[][] sizes = config.levelSizes();
        SDVariable[] skips = new SDVariable[ch.length];
        SDVariable h = x;
        for (int i = 0; i < ch.length; i++) {
            int stride = i == 0 ? 1 : 2;
            h = g.cnn.conv2d(h, w.get("enc" + i + "_conv"), Conv2DConfig.builder().kH(3).kW(3).sH(stride).sW(stride)
                    .paddingMode(PaddingMode.VALID).weightsFormat(WeightsFormat.YXIO).dataFormat("NCHW").build());
            h = block(g, h, e, w, "enc" + i, config.groupsAt(i, true), ch[i], sizes[i]);
            skips[i] = h;
        }
        for (int i = ch.length - 1; i >= 1; i--) {
            SDVariable in = i == ch.length - 1 ? h : g.concat(1, h, skips[i]);
            h = g.cnn.deconv2d(in, w.get("dec" + i + "_tconv"), DeConv2DConfig.builder().kH(3).kW(3).sH(2).sW(2)
                    .isSameMode(false).dataFormat("NCHW").build());
            h = padTo(g, h, sizes[i][0], sizes[i][1], sizes[i - 1][0], sizes[i - 1][1]);
            h = block(g, h, e, w, "dec" + i, config.groupsAt(i - 1, false), ch[i - 1], sizes[i - 1]);
        }
        SDVariable in = ch.length == 1 ? h : g.concat(1, h, skips[0]);
        SDVariable out = g.cnn.deconv2d(in, w.get("out_tconv"), w.get("out_b"), DeConv2DConfig.builder().kH(3).kW(3)
                .sH(1).sW(1).isSameMode(false).dataFormat("NCHW").build());
        out = g.identity("out", out);

        // one scalar whose gradient serves both training (v = 0) and input VJPs (weight = 0):
        // loss = mean_b w_b 1/2 |out_b - target_b|^2 + sum(out * v)
        SDVariable target = g.placeHolder("target", dataType, -1, c, config.height(), config.width());
        SDVariable weight = g.placeHolder("weight", dataType, -1);
        SDVariable v = g.placeHolder("v", dataType, -1, c, config.height(), config.width());
        SDVariable diff = out.sub(target);
        SDVariable perExample = diff.mul(diff).sum(1, 2, 3).mul(weight).mul(0.5);
        g.identity("dsm", perExample.mean());
        SDVariable probe = out.mul(v).sum();
        SDVariable total = perExample.mean().add(probe);
        g.identity("loss", total);
        g.setLossVariables("loss");
        quietly(() -> g.createGradFunction("x"));
        return g;
    }

    /**
     * Runs an action with System.out silenced: SameDiff M2.1 prints one line per differentiated
     * op while building the gradient graph.
     */
    static void quietly(Runnable action) {
        synchronized (System.class) {
            java.io.PrintStream out = System.out;
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                action.run();
            } finally {
                System.setOut(out);
            }
        }
    }

    /** h + dense(e) per channel, GroupNorm, SiLU. */
    private static SDVariable block(SameDiff g, SDVariable h, SDVariable e, Map<String, SDVariable> w, String name,
            int groups, int channels, int[] size) {
        SDVariable add = e.mmul(w.get(name + "_dense_W")).add(w.get(name + "_dense_b"));
        h = h.add(g.expandDims(g.expandDims(add, 2), 3));
        h = groupNorm(g, h, groups, channels, size, w.get(name + "_gn_gamma"), w.get(name + "_gn_beta"));
        return silu(g, h);
    }

    private static SDVariable silu(SameDiff g, SDVariable h) {
        return h.mul(g.nn.sigmoid(h));
    }

    /**
     * GroupNorm over [B, C, H, W] composed from reshapes and moments (PyTorch's definition, eps
     * 1e-5); {@code size} is {H, W}.
     */
    private static SDVariable groupNorm(SameDiff g, SDVariable h, int groups, int channels, int[] size,
            SDVariable gamma, SDVariable beta) {
        SDVariable grouped = h.reshape(-1, groups, (long) channels / groups * size[0] * size[1]);
        SDVariable mean = grouped.mean(true, 2);
        SDVariable centred = grouped.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, 2);
        SDVariable norm = centred.div(g.math.sqrt(var.add(GROUP_NORM_EPS))).reshape(-1, channels, size[0], size[1]);
        // the per-channel affine map as a 1x1 depthwise convolution with a bias (native backward
        // passes; a broadcasting multiply's backward is many times slower in M2.1)
        return g.cnn.depthWiseConv2d(norm, gamma.reshape(1, 1, channels, 1), beta, Conv2DConfig.builder().kH(1).kW(1)
                .sH(1).sW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build());
    }

    /** Zero-pads [B, C, h, w] at the bottom and right to [B, C, H, W] (PyTorch's output_padding). */
    private static SDVariable padTo(SameDiff g, SDVariable x, int fromH, int fromW, int toH, int toW) {
        int ph = toH - (2 * (fromH - 1) + 3);
        int pw = toW - (2 * (fromW - 1) + 3);
        if (ph == 0 && pw == 0) {
            return x;
        }
        INDArray pads = Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {0, ph}, {0, pw}});
        return g.nn.pad(x, g.constant(pads), PadMode.CONSTANT, 0.0);
    }

    /**
     * The graph's variables as views into one flat parameter array, in the layout's order (its
     * array holders are set so that the views are used as given, not copied).
     */
    static Map<String, SDVariable> variables(SameDiff g, INDArray params, Map<String, long[]> layout) {
        g.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        Map<String, SDVariable> w = new HashMap<>();
        long off = 0;
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            long len = length(en.getValue());
            INDArray view = params.get(NDArrayIndex.interval(off, off + len)).reshape('c', en.getValue());
            w.put(en.getKey(), g.var(en.getKey(), view));
            off += len;
        }
        return w;
    }

    /** Copies per-variable gradients into one flat array laid out as the parameters. */
    static void flatten(Map<String, INDArray> gradients, Map<String, long[]> layout, INDArray into) {
        long off = 0;
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            long len = length(en.getValue());
            into.get(NDArrayIndex.interval(off, off + len)).assign(gradients.get(en.getKey()).reshape(len));
            off += len;
        }
    }

    /** The number of parameters of a layout. */
    static long size(Map<String, long[]> layout) {
        long n = 0;
        for (long[] s : layout.values()) {
            n += length(s);
        }
        return n;
    }

    static long length(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
