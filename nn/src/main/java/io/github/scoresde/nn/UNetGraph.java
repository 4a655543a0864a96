package io.github.scoresde.nn;

import io.github.scoresde.core.RandomSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The U-Net's parameters ({@link UNetPasses} runs the layers): their layout in one flat array,
 * PyTorch's default initialisation, views of the tensors; and the helpers the SameDiff networks of
 * this package share (variables over a flat array, gradients flattened, System.out silenced).
 */
final class UNetGraph {
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

    /**
     * The graph's variables as views into one flat parameter array, in the layout's order (its
     * array holders are set so that the views are used as given, not copied).
     */
    static Map<String, SDVariable> variables(SameDiff g, INDArray params, Map<String, long[]> layout) {
        g.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        Map<String, SDVariable> w = new HashMap<>();
        views(params, layout).forEach((name, view) -> w.put(name, g.var(name, view)));
        return w;
    }

    /** The tensors of a flat array laid out as {@code layout}, as row-major views into it (same order). */
    static Map<String, INDArray> views(INDArray flat, Map<String, long[]> layout) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        long off = 0;
        for (Map.Entry<String, long[]> en : layout.entrySet()) {
            long len = length(en.getValue());
            w.put(en.getKey(), flat.get(NDArrayIndex.interval(off, off + len)).reshape('c', en.getValue()));
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
