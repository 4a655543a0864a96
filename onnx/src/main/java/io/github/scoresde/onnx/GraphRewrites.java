package io.github.scoresde.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Rewrites the operators of an ONNX graph that ND4J 1.0.0-M2.1's importer has no mapping for into
 * ones it maps, with the same values (docs/interop.md, "What is supported"):
 * <ul>
 * <li>{@code InstanceNormalization} (how PyTorch exports GroupNorm before opset 18): the input is
 *     reshaped to [N, C, L], normalised over L with ReduceMean/Sub/Mul/Sqrt/Div, scaled and shifted
 *     per channel, and reshaped back;</li>
 * <li>{@code ConvTranspose} with a constant 2-D weight, one group, no dilation: its s x s output
 *     phases are one {@code Conv} with s^2 Cout output channels, whose kernels are the weight's
 *     phase sub-kernels flipped, then {@code DepthToSpace} interleaves them and a {@code Slice}
 *     applies the pads and output padding.</li>
 * <li>{@code Resize}, nearest-neighbour by an integer factor (PyTorch's nearest upsampling): copies
 *     of the input over channels spread by {@code DepthToSpace}, which has a gradient.</li>
 * </ul>
 * Constant nodes become initializers. Operators the importer cannot map and this class does not rewrite are reported by
 * {@link #unsupported}, by operator and node name.
 */
final class GraphRewrites {
    private static final int FLOAT = Onnx.TensorProto.DataType.FLOAT_VALUE;

    private final Onnx.GraphProto.Builder graph;
    private final Map<String, Onnx.TensorProto> constants = new HashMap<>();
    private int counter;

    private GraphRewrites(Onnx.GraphProto graph) {
        this.graph = graph.toBuilder();
        for (Onnx.TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), t);
        }
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                for (Onnx.AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        constants.put(n.getOutput(0), a.getT());
                    }
                }
            }
        }
    }

    /**
     * A tensor name as the imported graph has it: ':' (SameDiff's separator of an op's output
     * index, and in PyTorch's names such as "onnx::Mul_225") becomes '_'.
     */
    static String importedName(String onnxName) {
        return onnxName.replace(':', '_');
    }

    /** The model with every rewritable operator rewritten; other nodes are kept in order. */
    static Onnx.ModelProto rewrite(Onnx.ModelProto model) {
        Onnx.GraphProto renamed = renamed(model.getGraph());
        GraphRewrites r = new GraphRewrites(renamed);
        List<Onnx.NodeProto> out = new ArrayList<>();
        for (Onnx.NodeProto n : renamed.getNodeList()) {
            switch (n.getOpType()) {
                case "Constant" -> r.constantToInitializer(n, out);
                case "Reshape" -> r.reshape(n, out);
                case "Gemm" -> r.gemm(n, out);
                case "Pow" -> r.pow(n, out);
                case "Resize" -> r.resize(n, out);
                case "InstanceNormalization" -> r.instanceNormalization(n, out);
                case "ConvTranspose" -> r.convTranspose(n, out);
                default -> out.add(n);
            }
        }
        r.graph.clearNode().addAllNode(out);
        return model.toBuilder().setGraph(r.graph).build();
    }

    /** The graph with every tensor name replaced by its {@link #importedName}. */
    private static Onnx.GraphProto renamed(Onnx.GraphProto g) {
        Onnx.GraphProto.Builder b = g.toBuilder();
        for (Onnx.TensorProto.Builder t : b.getInitializerBuilderList()) {
            t.setName(importedName(t.getName()));
        }
        for (Onnx.ValueInfoProto.Builder v : b.getInputBuilderList()) {
            v.setName(importedName(v.getName()));
        }
        for (Onnx.ValueInfoProto.Builder v : b.getOutputBuilderList()) {
            v.setName(importedName(v.getName()));
        }
        for (Onnx.ValueInfoProto.Builder v : b.getValueInfoBuilderList()) {
            v.setName(importedName(v.getName()));
        }
        for (Onnx.NodeProto.Builder n : b.getNodeBuilderList()) {
            n.setName(importedName(n.getName()));
            for (int i = 0; i < n.getInputCount(); i++) {
                n.setInput(i, importedName(n.getInput(i)));
            }
            for (int i = 0; i < n.getOutputCount(); i++) {
                n.setOutput(i, importedName(n.getOutput(i)));
            }
        }
        return b.build();
    }

    /**
     * The nodes whose operator the importer does not map ({@code supported}: the importer's
     * operator names), as "OpType (node name)" texts; empty when every node maps.
     */
    static List<String> unsupported(Onnx.ModelProto model, java.util.Set<String> supported) {
        List<String> bad = new ArrayList<>();
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            if (!supported.contains(n.getOpType())) {
                bad.add(n.getOpType() + " (node \"" + n.getName() + "\")");
            }
        }
        return bad;
    }

    /**
     * A {@code Constant} node with a tensor value becomes an initializer of the same name (the
     * importer's hooks for Unsqueeze, Reshape and Slice read their shape inputs as arrays at import
     * time, which a Constant node's output is not yet); other Constant nodes are kept.
     */
    private void constantToInitializer(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        Onnx.TensorProto t = n.getOutputCount() == 1 ? constants.get(n.getOutput(0)) : null;
        if (t == null) {
            out.add(n);
            return;
        }
        graph.addInitializer(t.toBuilder().setName(n.getOutput(0)));
    }

    /**
     * A Reshape whose constant target shape copies input dimensions (a 0 entry, as PyTorch exports
     * GroupNorm's [0, G, -1]) gets that shape computed from the input's: the importer reads the 0
     * literally. Other Reshapes are kept.
     */
    private void reshape(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        Onnx.TensorProto shape = constants.get(n.getInput(1));
        long[] target = shape == null ? null : int64s(shape);
        boolean copies = false;
        for (int i = 0; target != null && i < target.length; i++) {
            copies |= target[i] == 0;
        }
        if (!copies) {
            out.add(n);
            return;
        }
        String p = prefix(n);
        out.add(node("Reshape", List.of(n.getInput(0), shapeOf(n.getInput(0), target, p, out)), n.getOutput(0)));
    }

    /**
     * A target shape for Reshape with ONNX's 0 entries (copy the input's dimension) made explicit:
     * the name of a tensor computed from {@code Shape(x)}.
     */
    private String shapeOf(String x, long[] target, String p, List<Onnx.NodeProto> out) {
        String inShape = p + "in_shape";
        out.add(node("Shape", List.of(x), inShape));
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < target.length; i++) {
            String part = p + "dim" + i;
            if (target[i] == 0) {
                out.add(node("Slice", List.of(inShape, longs(part + "_start", i), longs(part + "_end", i + 1),
                        longs(part + "_axis", 0)), part));
            } else {
                longs(part, target[i]);
            }
            parts.add(part);
        }
        String joined = p + "target_shape";
        out.add(Onnx.NodeProto.newBuilder().setOpType("Concat").setName(joined).addAllInput(parts).addOutput(joined)
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("axis")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(0))
                .build());
        return joined;
    }

    private static long[] int64s(Onnx.TensorProto t) {
        if (t.getDataType() != Onnx.TensorProto.DataType.INT64_VALUE) {
            return null;
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[b.remaining() / 8];
            b.asLongBuffer().get(v);
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Gemm as MatMul and Add: the importer drops transA/transB (PyTorch's Linear exports
     * transB = 1). A constant B is transposed here; alpha and beta become Mul nodes when not 1.
     */
    private void gemm(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        String where = "Gemm (node \"" + n.getName() + "\")";
        long transA = 0;
        long transB = 0;
        float alpha = 1;
        float beta = 1;
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "transA" -> transA = a.getI();
                case "transB" -> transB = a.getI();
                case "alpha" -> alpha = a.getF();
                case "beta" -> beta = a.getF();
                default -> throw new OnnxImportException(where + ": unknown attribute " + a.getName());
            }
        }
        String p = prefix(n);
        String a = n.getInput(0);
        if (transA != 0) {
            out.add(transpose(a, p + "a_t", 1, 0));
            a = p + "a_t";
        }
        String b = n.getInput(1);
        if (transB != 0) {
            Onnx.TensorProto w = constants.get(b);
            if (w != null && w.getDimsCount() == 2) {
                int rows = (int) w.getDims(0);
                int cols = (int) w.getDims(1);
                float[] v = floats(w, where);
                float[] t = new float[v.length];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        t[j * rows + i] = v[i * cols + j];
                    }
                }
                b = tensor(p + "b_t", t, cols, rows);
            } else {
                out.add(transpose(b, p + "b_t", 1, 0));
                b = p + "b_t";
            }
        }
        boolean bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
        String product = p + "product";
        out.add(node("MatMul", List.of(a, b), alpha == 1 && !bias ? n.getOutput(0) : product));
        String y = product;
        if (alpha != 1) {
            y = p + "scaled";
            out.add(node("Mul", List.of(product, scalar(p + "alpha", alpha)), bias ? y : n.getOutput(0)));
        }
        if (bias) {
            String c = n.getInput(2);
            if (beta != 1) {
                out.add(node("Mul", List.of(c, scalar(p + "beta", beta)), p + "c_scaled"));
                c = p + "c_scaled";
            }
            out.add(node("Add", List.of(y, c), n.getOutput(0)));
        }
    }

    /**
     * Pow, which the importer maps to an op with two outputs: a constant integer exponent
     * (|n| &lt;= 16) becomes repeated multiplication (a reciprocal for n &lt; 0), any other exponent
     * exp(b ln a), real for a &gt; 0 (ONNX's Pow is NaN for a &lt; 0 and a non-integer b as well;
     * a negative base with a computed integer exponent is the one case that differs).
     */
    private void pow(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        String where = "Pow (node \"" + n.getName() + "\")";
        String p = prefix(n);
        String a = n.getInput(0);
        Onnx.TensorProto e = constants.get(n.getInput(1));
        float[] ev = e != null && e.getDataType() == FLOAT ? floats(e, where) : null;
        if (ev != null && ev.length == 1 && ev[0] == Math.rint(ev[0]) && Math.abs(ev[0]) <= 16 && ev[0] != 0) {
            int k = (int) Math.abs(ev[0]);
            String acc = null;
            String square = a;
            int step = 0;
            while (k > 0) {
                if ((k & 1) == 1) {
                    if (acc == null) {
                        acc = square;
                    } else {
                        String next = p + "acc" + step;
                        out.add(node("Mul", List.of(acc, square), next));
                        acc = next;
                    }
                }
                k >>= 1;
                if (k > 0) {
                    String next = p + "sq" + step;
                    out.add(node("Mul", List.of(square, square), next));
                    square = next;
                }
                step++;
            }
            if (ev[0] < 0) {
                out.add(node("Div", List.of(scalar(p + "one", 1f), acc), n.getOutput(0)));
            } else {
                out.add(node("Identity", List.of(acc), n.getOutput(0)));
            }
            return;
        }
        String log = p + "log";
        out.add(node("Log", List.of(a), log));
        String times = p + "times";
        out.add(node("Mul", List.of(n.getInput(1), log), times));
        out.add(node("Exp", List.of(times), n.getOutput(0)));
    }

    /**
     * Nearest-neighbour upsampling by an integer factor s in H and W (PyTorch's
     * {@code interpolate(mode="nearest")}: Resize with constant scales [1, 1, s, s], asymmetric
     * coordinates, floor rounding) as s^2 copies of x concatenated over channels and spread by
     * DepthToSpace: the same values, and differentiable (ND4J's resize op has no gradient). Other
     * Resizes are kept.
     */
    private void resize(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        String mode = "nearest";
        String coordinates = "half_pixel";
        String rounding = "round_prefer_floor";
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "mode" -> mode = a.getS().toStringUtf8();
                case "coordinate_transformation_mode" -> coordinates = a.getS().toStringUtf8();
                case "nearest_mode" -> rounding = a.getS().toStringUtf8();
                default -> {
                }
            }
        }
        Onnx.TensorProto scales = n.getInputCount() > 2 ? constants.get(n.getInput(2)) : null;
        float[] sv = scales != null && scales.getDataType() == FLOAT ? floats(scales, "Resize") : null;
        boolean sizes = n.getInputCount() > 3 && !n.getInput(3).isEmpty();
        if (!mode.equals("nearest") || !coordinates.equals("asymmetric") || !rounding.equals("floor") || sv == null
                || sv.length != 4 || sv[0] != 1 || sv[1] != 1 || sv[2] != sv[3] || sv[2] < 2 || sv[2] != Math.rint(sv[2])
                || sizes) {
            out.add(n);
            return;
        }
        int f = (int) sv[2];
        String p = prefix(n);
        List<String> copies = new ArrayList<>();
        for (int i = 0; i < f * f; i++) {
            copies.add(n.getInput(0));
        }
        String tiled = p + "tiled";
        out.add(Onnx.NodeProto.newBuilder().setOpType("Concat").setName(tiled).addAllInput(copies).addOutput(tiled)
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("axis")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(1))
                .build());
        depthToSpace(tiled, n.getOutput(0), f, p, out);
    }

    /** DepthToSpace (DCR) of an NCHW tensor, between the transposes the importer's NHWC mapping needs. */
    private static void depthToSpace(String in, String outName, int block, String p, List<Onnx.NodeProto> out) {
        String nhwc = p + "d2s_in_nhwc";
        out.add(transpose(in, nhwc, 0, 2, 3, 1));
        String spread = p + "d2s_out_nhwc";
        out.add(Onnx.NodeProto.newBuilder().setOpType("DepthToSpace").setName(spread).addInput(nhwc)
                .addOutput(spread).addAttribute(Onnx.AttributeProto.newBuilder().setName("blocksize")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(block))
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("mode")
                        .setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("DCR")))
                .build());
        out.add(transpose(spread, outName, 0, 3, 1, 2));
    }

    private void instanceNormalization(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        float eps = 1e-5f;
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("epsilon")) {
                eps = a.getF();
            }
        }
        String x = n.getInput(0);
        String p = prefix(n);
        String shape = p + "shape";
        out.add(node("Shape", List.of(x), shape));
        String x3 = p + "x3";
        out.add(node("Reshape", List.of(x, shapeOf(x, new long[] {0, 0, -1}, p, out)), x3));
        String mean = p + "mean";
        out.add(reduceMean(x3, mean));
        String d = p + "centred";
        out.add(node("Sub", List.of(x3, mean), d));
        String sq = p + "squared";
        out.add(node("Mul", List.of(d, d), sq));
        String var = p + "var";
        out.add(reduceMean(sq, var));
        String ve = p + "var_eps";
        out.add(node("Add", List.of(var, scalar(p + "eps", eps)), ve));
        String sd = p + "std";
        out.add(node("Sqrt", List.of(ve), sd));
        String nrm = p + "normalised";
        out.add(node("Div", List.of(d, sd), nrm));
        String column = longs(p + "column", -1, 1);
        String scale = p + "scale";
        out.add(node("Reshape", List.of(n.getInput(1), column), scale));
        String shift = p + "shift";
        out.add(node("Reshape", List.of(n.getInput(2), column), shift));
        String scaled = p + "scaled";
        out.add(node("Mul", List.of(nrm, scale), scaled));
        String y3 = p + "y3";
        out.add(node("Add", List.of(scaled, shift), y3));
        out.add(node("Reshape", List.of(y3, shape), n.getOutput(0)));
    }

    private Onnx.NodeProto reduceMean(String in, String outName) {
        return Onnx.NodeProto.newBuilder().setOpType("ReduceMean").addInput(in).addOutput(outName)
                .setName(outName).addAttribute(Onnx.AttributeProto.newBuilder().setName("axes")
                        .setType(Onnx.AttributeProto.AttributeType.INTS).addInts(2))
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("keepdims")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(1))
                .build();
    }

    private void convTranspose(Onnx.NodeProto n, List<Onnx.NodeProto> out) {
        String where = "ConvTranspose (node \"" + n.getName() + "\")";
        Onnx.TensorProto w = constants.get(n.getInput(1));
        if (w == null) {
            throw new OnnxImportException(where + ": only a constant weight (an initializer) can be imported");
        }
        if (w.getDimsCount() != 4) {
            throw new OnnxImportException(where + ": only 2-D transposed convolutions are supported; its weight has "
                    + w.getDimsCount() + " dimensions");
        }
        int cin = (int) w.getDims(0);
        int cout = (int) w.getDims(1);
        int kh = (int) w.getDims(2);
        int kw = (int) w.getDims(3);
        long[] strides = {1, 1};
        long[] pads = {0, 0, 0, 0};
        long[] outPad = {0, 0};
        for (Onnx.AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "strides" -> strides = ints(a);
                case "pads" -> pads = ints(a);
                case "output_padding" -> outPad = ints(a);
                case "group" -> require(a.getI() == 1, where, "group " + a.getI() + " (only 1 is supported)");
                case "dilations" -> {
                    for (long v : ints(a)) {
                        require(v == 1, where, "dilation " + v + " (only 1 is supported)");
                    }
                }
                case "auto_pad" -> require(a.getS().toStringUtf8().equals("NOTSET"), where,
                        "auto_pad " + a.getS().toStringUtf8() + " (give explicit pads)");
                case "output_shape" -> throw new OnnxImportException(where + ": the output_shape attribute is not "
                        + "supported (export with explicit pads and output_padding)");
                case "kernel_shape" -> {
                }
                default -> throw new OnnxImportException(where + ": unknown attribute " + a.getName());
            }
        }
        require(strides[0] == strides[1], where, "strides " + strides[0] + " x " + strides[1]
                + " (only equal strides are supported)");
        int s = (int) strides[0];
        int ph = (kh + s - 1) / s;
        int pw = (kw + s - 1) / s;
        float[] wv = floats(w, where);
        // Conv weight [s*s*cout, cin, ph, pw]: output channel (rh*s + rw)*cout + c, the flipped
        // phase (rh, rw) sub-kernel of W[ci, c]
        float[] cv = new float[s * s * cout * cin * ph * pw];
        for (int rh = 0; rh < s; rh++) {
            for (int rw = 0; rw < s; rw++) {
                for (int c = 0; c < cout; c++) {
                    int oc = (rh * s + rw) * cout + c;
                    for (int ci = 0; ci < cin; ci++) {
                        for (int mh = 0; mh < ph; mh++) {
                            int ih = s * (ph - 1 - mh) + rh;
                            if (ih >= kh) {
                                continue;
                            }
                            for (int mw = 0; mw < pw; mw++) {
                                int iw = s * (pw - 1 - mw) + rw;
                                if (iw >= kw) {
                                    continue;
                                }
                                cv[((oc * cin + ci) * ph + mh) * pw + mw] = wv[((ci * cout + c) * kh + ih) * kw + iw];
                            }
                        }
                    }
                }
            }
        }
        String p = prefix(n);
        List<String> convIn = new ArrayList<>(List.of(n.getInput(0), tensor(p + "phase_weight", cv,
                s * s * cout, cin, ph, pw)));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            Onnx.TensorProto b = constants.get(n.getInput(2));
            if (b == null) {
                throw new OnnxImportException(where + ": only a constant bias (an initializer) can be imported");
            }
            float[] bv = floats(b, where);
            float[] tiled = new float[s * s * cout];
            for (int i = 0; i < tiled.length; i++) {
                tiled[i] = bv[i % cout];
            }
            convIn.add(tensor(p + "phase_bias", tiled, tiled.length));
        }
        String phases = s == 1 ? p + "full" : p + "phases";
        out.add(Onnx.NodeProto.newBuilder().setOpType("Conv").setName(phases).addAllInput(convIn).addOutput(phases)
                .addAttribute(intsAttr("kernel_shape", ph, pw))
                .addAttribute(intsAttr("pads", ph - 1, pw - 1, ph - 1, pw - 1))
                .addAttribute(intsAttr("strides", 1, 1)).build());
        String full = p + "full";
        if (s > 1) {
            depthToSpace(phases, full, s, p, out);
        }
        // the full output has s (H + ph - 1) rows; the transposed convolution's are rows
        // [pad_begin, (H - 1) s + k + output_padding - pad_end): drop e = s ph - k - op + pad_end at the end
        long eh = (long) s * ph - kh - outPad[0] + pads[2];
        long ew = (long) s * pw - kw - outPad[1] + pads[3];
        require(eh >= 0 && ew >= 0, where, "output_padding " + outPad[0] + " x " + outPad[1]
                + " beyond the stride's phases");
        out.add(node("Slice", List.of(full, longs(p + "starts", pads[0], pads[1]),
                longs(p + "ends", eh == 0 ? Long.MAX_VALUE : -eh, ew == 0 ? Long.MAX_VALUE : -ew),
                longs(p + "axes", 2, 3)), n.getOutput(0)));
    }

    private static Onnx.NodeProto transpose(String in, String outName, long... perm) {
        return Onnx.NodeProto.newBuilder().setOpType("Transpose").setName(outName).addInput(in).addOutput(outName)
                .addAttribute(intsAttr("perm", perm)).build();
    }

    private static void require(boolean ok, String where, String what) {
        if (!ok) {
            throw new OnnxImportException(where + ": " + what);
        }
    }

    private String prefix(Onnx.NodeProto n) {
        return "scoresde_" + (n.getName().isEmpty() ? n.getOpType() : n.getName()) + "_" + (counter++) + "/";
    }

    private static Onnx.NodeProto node(String op, List<String> inputs, String output) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output).build();
    }

    private static Onnx.AttributeProto intsAttr(String name, long... v) {
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    private static long[] ints(Onnx.AttributeProto a) {
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** Adds an int64 initializer and returns its name. */
    private String longs(String name, long... v) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).addDims(v.length);
        for (long x : v) {
            t.addInt64Data(x);
        }
        graph.addInitializer(t);
        return name;
    }

    private String scalar(String name, float v) {
        graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name).setDataType(FLOAT).addFloatData(v));
        return name;
    }

    private String tensor(String name, float[] v, long... dims) {
        graph.addInitializer(floatTensor(name, v, dims));
        return name;
    }

    /** A float32 tensor of the given values and dimensions, its data raw little-endian bytes. */
    static Onnx.TensorProto floatTensor(String name, float[] v, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            buf.putFloat(x);
        }
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(FLOAT)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static float[] floats(Onnx.TensorProto t, String where) {
        if (t.getDataType() != FLOAT) {
            throw new OnnxImportException(where + ": constant " + t.getName() + " has data type "
                    + Onnx.TensorProto.DataType.forNumber(t.getDataType()) + "; only float32 weights are supported");
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            b.asFloatBuffer().get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }
}
