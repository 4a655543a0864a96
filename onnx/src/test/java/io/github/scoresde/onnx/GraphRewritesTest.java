package io.github.scoresde.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Each rewrite of {@link GraphRewrites}, imported by ND4J's importer and run, against the ONNX
 * operator's definition computed directly here (float32; tolerance 1e-5 of the largest value).
 */
class GraphRewritesTest {
    private final Random random = new Random(11);

    @Test
    void transposedConvolutionsMatchTheirDefinition() {
        // cin, cout, k, stride, pads (h begin, w begin, h end, w end), output padding, bias
        int[][] cases = {
            {3, 2, 3, 2, 0, 0, 0, 0, 0, 0, 0},
            {3, 2, 3, 2, 0, 0, 0, 0, 1, 1, 1},
            {2, 3, 4, 2, 1, 1, 1, 1, 0, 0, 0},
            {2, 2, 3, 1, 1, 1, 1, 1, 0, 0, 1},
            {2, 2, 5, 3, 2, 1, 0, 2, 1, 0, 1}};
        for (int[] c : cases) {
            int cin = c[0];
            int cout = c[1];
            int k = c[2];
            int s = c[3];
            long[] pads = {c[4], c[5], c[6], c[7]};
            long[] op = {c[8], c[9]};
            float[] w = floats(cin * cout * k * k);
            float[] b = c[10] == 1 ? floats(cout) : null;
            Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder().setOpType("ConvTranspose").setName("up")
                    .addInput("x").addInput("w").addOutput("y")
                    .addAttribute(ints("strides", s, s)).addAttribute(ints("pads", pads))
                    .addAttribute(ints("output_padding", op)).addAttribute(ints("kernel_shape", k, k));
            List<Onnx.TensorProto> init = new ArrayList<>(List.of(tensor("w", w, cin, cout, k, k)));
            if (b != null) {
                node.addInput("b");
                init.add(tensor("b", b, cout));
            }
            int h = 5;
            int wd = 4;
            INDArray x = Nd4j.createFromArray(floats(2 * cin * h * wd)).reshape(2, cin, h, wd);
            INDArray got = run(model(List.of(node.build()), init, cin, h, wd), x);
            int ho = (h - 1) * s + k - c[4] - c[6] + c[8];
            int wo = (wd - 1) * s + k - c[5] - c[7] + c[9];
            float[] want = new float[2 * cout * ho * wo];
            for (int n = 0; n < 2; n++) {
                for (int co = 0; co < cout; co++) {
                    for (int oh = 0; oh < ho; oh++) {
                        for (int ow = 0; ow < wo; ow++) {
                            double acc = b == null ? 0 : b[co];
                            for (int ci = 0; ci < cin; ci++) {
                                for (int ih = 0; ih < h; ih++) {
                                    for (int iw = 0; iw < wd; iw++) {
                                        int kh = oh + c[4] - ih * s;
                                        int kw = ow + c[5] - iw * s;
                                        if (kh >= 0 && kh < k && kw >= 0 && kw < k) {
                                            acc += x.getDouble(n, ci, ih, iw) * w[((ci * cout + co) * k + kh) * k + kw];
                                        }
                                    }
                                }
                            }
                            want[((n * cout + co) * ho + oh) * wo + ow] = (float) acc;
                        }
                    }
                }
            }
            assertClose(Nd4j.createFromArray(want).reshape(2, cout, ho, wo), got, java.util.Arrays.toString(c));
        }
    }

    @Test
    void instanceNormalizationMatchesItsDefinition() {
        float[] scale = floats(3);
        float[] shift = floats(3);
        Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("InstanceNormalization").setName("norm")
                .addInput("x").addInput("scale").addInput("shift").addOutput("y")
                .addAttribute(Onnx.AttributeProto.newBuilder().setName("epsilon")
                        .setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(1e-3f))
                .build();
        INDArray x = Nd4j.createFromArray(floats(2 * 3 * 4 * 5)).reshape(2, 3, 4, 5);
        INDArray got = run(model(List.of(node), List.of(tensor("scale", scale, 3), tensor("shift", shift, 3)), 3, 4, 5), x);
        INDArray want = x.dup();
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                INDArray map = want.slice(n).slice(c);
                double mean = map.meanNumber().doubleValue();
                double var = map.sub(mean).mul(map.sub(mean)).meanNumber().doubleValue();
                map.subi(mean).divi(Math.sqrt(var + 1e-3)).muli(scale[c]).addi(shift[c]);
            }
        }
        assertClose(want, got, "instance normalisation");
    }

    @Test
    void powersMatch() {
        INDArray x = Nd4j.createFromArray(floats(2 * 3)).reshape(2, 3);
        INDArray positive = Nd4j.math().abs(x).addi(0.5);
        for (float e : new float[] {3f, -2f, 0.5f}) {
            Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("Pow").setName("pow").addInput("x")
                    .addInput("e").addOutput("y").build();
            INDArray in = e == 0.5f ? positive : x;
            INDArray got = run(model(List.of(node), List.of(tensor("e", new float[] {e})), 3), in);
            assertClose(Nd4j.math().pow(in.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), e)
                    .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), got, "x^" + e);
        }
        // a constant base and a computed exponent: 2.5^x
        Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("Pow").setName("pow").addInput("base")
                .addInput("x").addOutput("y").build();
        INDArray got = run(model(List.of(node), List.of(tensor("base", new float[] {2.5f})), 3), x);
        assertClose(Nd4j.math().exp(x.mul(Math.log(2.5))), got, "2.5^x");
    }

    @Test
    void gemmWithTransposesAndScalesMatches() {
        float[] w = floats(4 * 3);
        float[] c = floats(4);
        Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("Gemm").setName("dense").addInput("x").addInput("w")
                .addInput("c").addOutput("y").addAttribute(intAttr("transB", 1)).addAttribute(floatAttr("alpha", 0.5f))
                .addAttribute(floatAttr("beta", 2f)).build();
        INDArray x = Nd4j.createFromArray(floats(5 * 3)).reshape(5, 3);
        INDArray got = run(model(List.of(node), List.of(tensor("w", w, 4, 3), tensor("c", c, 4)), 3), x);
        INDArray want = x.mmul(Nd4j.createFromArray(w).reshape(4, 3).transpose()).muli(0.5)
                .addiRowVector(Nd4j.createFromArray(c).mul(2));
        assertClose(want, got, "Gemm");
    }

    @Test
    void reshapeCopiesZeroDimensions() {
        Onnx.TensorProto shape = Onnx.TensorProto.newBuilder().setName("shape")
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).addDims(3).addInt64Data(0).addInt64Data(3)
                .addInt64Data(-1).build();
        Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("Reshape").setName("r").addInput("x")
                .addInput("shape").addOutput("y").build();
        INDArray x = Nd4j.createFromArray(floats(2 * 6 * 2)).reshape(2, 6, 2);
        INDArray got = run(model(List.of(node), List.of(shape), 6, 2), x);
        assertArrayEquals(new long[] {2, 3, 4}, got.shape());
        assertClose(x.reshape(2, 3, 4), got, "reshape");
    }

    @Test
    void nearestUpsamplingMatchesAndHasAGradient() {
        for (int f : new int[] {2, 3}) {
            Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("Resize").setName("up").addInput("x")
                    .addInput("").addInput("scales").addOutput("y")
                    .addAttribute(stringAttr("mode", "nearest"))
                    .addAttribute(stringAttr("coordinate_transformation_mode", "asymmetric"))
                    .addAttribute(stringAttr("nearest_mode", "floor")).build();
            INDArray x = Nd4j.createFromArray(floats(2 * 3 * 4 * 5)).reshape(2, 3, 4, 5);
            SameDiff sd = OnnxImport.importGraph(Path.of("test.onnx"), GraphRewrites.rewrite(model(List.of(node),
                    List.of(tensor("scales", new float[] {1, 1, f, f}, 4)), 3, 4, 5)));
            sd.setEagerMode(false);
            INDArray got = sd.output(Map.of("x", x), "y").get("y");
            INDArray want = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 4 * f, 5 * f);
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 3; c++) {
                    for (int h = 0; h < 4 * f; h++) {
                        for (int w = 0; w < 5 * f; w++) {
                            want.putScalar(new long[] {n, c, h, w}, x.getDouble(n, c, h / f, w / f));
                        }
                    }
                }
            }
            assertClose(want, got, "nearest x" + f);
            // d sum(y) / dx: every input value is copied f^2 times
            sd.var("one", Nd4j.scalar(1f));
            sd.sum(sd.getVariable("y")).mul("loss", sd.getVariable("one"));
            sd.setLossVariables("loss");
            sd.createGradFunction("x");
            INDArray g = sd.calculateGradients(Map.of("x", x), "x").get("x");
            assertClose(Nd4j.valueArrayOf(x.shape(), (float) (f * f)), g, "gradient of nearest x" + f);
        }
    }

    @Test
    void unsupportedTransposedConvolutionsAreRefusedByNode() {
        Onnx.NodeProto node = Onnx.NodeProto.newBuilder().setOpType("ConvTranspose").setName("grouped").addInput("x")
                .addInput("w").addOutput("y").addAttribute(intAttr("group", 2)).build();
        Onnx.ModelProto m = model(List.of(node), List.of(tensor("w", floats(2 * 2 * 9), 2, 2, 3, 3)), 2, 4, 4);
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> GraphRewrites.rewrite(m));
        assertTrue(e.getMessage().contains("ConvTranspose (node \"grouped\"): group 2"), e.getMessage());
    }

    private INDArray run(Onnx.ModelProto m, INDArray x) {
        SameDiff sd = OnnxImport.importGraph(Path.of("test.onnx"), GraphRewrites.rewrite(m));
        sd.setEagerMode(false);
        return sd.output(Map.of("x", x), "y").get("y");
    }

    private static void assertClose(INDArray want, INDArray got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        double scale = Math.max(1, want.amaxNumber().doubleValue());
        double diff = want.castTo(got.dataType()).sub(got).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5 * scale, what + ": max difference " + diff + " against " + scale);
    }

    /** A model of the nodes with input x of shape [N, dims...] and output y. */
    private static Onnx.ModelProto model(List<Onnx.NodeProto> nodes, List<Onnx.TensorProto> init, long... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        Onnx.TypeProto type = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(shape)).build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("test").addAllNode(nodes).addAllInitializer(init)
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(Onnx.TypeProto.newBuilder()
                        .setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE))))
                .build();
        return Onnx.ModelProto.newBuilder().setIrVersion(7).setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
    }

    private float[] floats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static Onnx.TensorProto tensor(String name, float[] v, long... dims) {
        return GraphRewrites.floatTensor(name, v, dims);
    }

    private static Onnx.AttributeProto ints(String name, long... v) {
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    private static Onnx.AttributeProto intAttr(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(v)
                .build();
    }

    private static Onnx.AttributeProto stringAttr(String name, String v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    private static Onnx.AttributeProto floatAttr(String name, float v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(v)
                .build();
    }
}
