package io.github.scoresde.nn;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.kernels.ConvKernels;
import io.github.scoresde.core.kernels.GroupNormSilu;
import io.github.scoresde.core.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The U-Net's forward and backward passes, written out layer by layer (docs/architecture.md,
 * "Images"; docs/performance.md says why not a SameDiff graph): time embedding, then per level a
 * 3x3 convolution and a {@link GroupNormSilu} block fed the level's projection of the embedding;
 * back up through transposed convolutions on the concatenated skips; a last transposed
 * convolution with a bias.
 *
 * <p>The forward pass keeps what the backward pass needs (a tape) in arrays allocated for one
 * batch size and reused until the size changes. The backward pass gives either the parameters'
 * gradient (training) or only the input's (VJPs: each convolution's input gradient is the
 * transposed convolution of its output gradient, and no weight gradient is formed). Weights are
 * views of the caller's flat parameter array, read at each pass. Not thread-safe.
 */
final class UNetPasses {
    private static final double GROUP_NORM_EPS = 1e-5;
    private static final INDArrayIndex ALL = NDArrayIndex.all();

    /** What a backward pass differentiates with respect to. */
    enum Wrt {
        /** The network's input x only (a vector-Jacobian product). */
        INPUT,
        /** The parameters (a training gradient). */
        PARAMETERS
    }

    private final UNetConfig config;
    private final Map<String, long[]> layout;
    private final Map<String, INDArray> w;
    private final DataType type;
    private final int levels;
    private final int[] ch;
    private final int[][] sizes;
    private Tape tape;

    /**
     * @param params the flat parameters in {@code layout}'s order, read (not copied) at each pass
     */
    UNetPasses(UNetConfig config, INDArray params, Map<String, long[]> layout, DataType type) {
        this.config = config;
        this.layout = layout;
        this.w = UNetGraph.views(params, layout);
        this.type = type;
        this.ch = config.channels();
        this.levels = ch.length;
        this.sizes = config.levelSizes();
    }

    /**
     * The network's output for a batch; the array belongs to this object and is overwritten by the
     * next pass (copy it to keep it).
     *
     * @param x {@code [B, C, H, W]} of this network's data type
     * @param fourier the time features {@code [B, E]}
     * @param oneHot the labels one-hot {@code [B, classes + 1]}, or null for an unconditional network
     */
    INDArray forward(INDArray x, INDArray fourier, INDArray oneHot) {
        int n = (int) x.size(0);
        Tape t = tape(n);
        t.x = x.ordering() == 'c' && x.elementWiseStride() == 1 ? x : x.dup('c');
        t.fourier = fourier;
        t.oneHot = oneHot;
        fourier.mmul(w.get("embed_W"), t.embedPre);
        if (oneHot != null) {
            t.embedPre.addi(oneHot.mmul(w.get("label_E")));
        }
        Kernels.biasSilu(t.embedPre, w.get("embed_b"), t.embed, t.embedDerivative);
        for (Block b : t.blocks) {
            t.embed.mmul(w.get(b.name + "_dense_W"), b.shift);
            b.shift.addiRowVector(w.get(b.name + "_dense_b").reshape(1, b.shift.size(1)));
        }
        for (int i = 0; i < levels; i++) {
            Block b = t.blocks[i];
            if (i == 0) {
                imageConv(t.x, w.get(b.name + "_conv"), b.pre);
            } else {
                ConvOps.conv(t.blocks[i - 1].gn.output(), w.get(b.name + "_conv"), 2, b.pre);
            }
            b.gn.forward();
        }
        for (int i = levels - 1; i >= 1; i--) {
            Block b = t.decoder(i);
            INDArray in = decoderInput(t, i);
            if (i < levels - 1) {
                concatChannels(t.decoder(i + 1).gn.output(), t.blocks[i].gn.output(), in);
            }
            if (t.raw[i] == null) {
                ConvOps.deconv(in, w.get(b.name + "_tconv"), null, 2, b.pre);
            } else {
                ConvOps.deconv(in, w.get(b.name + "_tconv"), null, 2, t.raw[i]);
                topLeft(b.pre, t.raw[i]).assign(t.raw[i]);
            }
            b.gn.forward();
        }
        if (levels > 1) {
            concatChannels(t.decoder(1).gn.output(), t.blocks[0].gn.output(), t.outInput);
        }
        imageDeconv(outInput(t), w.get("out_tconv"), w.get("out_b"), t.out);
        return t.out;
    }

    /**
     * The backward pass of the last {@link #forward} from the output's gradient.
     *
     * @param gradOut dL/d(output) {@code [B, C, H, W]}, row-major
     * @param wrt what to differentiate
     * @param gradient for {@link Wrt#PARAMETERS}, the flat array {@code [P]} that receives the
     *     parameters' gradient (every value is written); ignored for {@link Wrt#INPUT}
     * @return dL/dx {@code [B, C, H, W]} (a new array) for {@link Wrt#INPUT}; null otherwise
     */
    INDArray backward(INDArray gradOut, Wrt wrt, INDArray gradient) {
        Tape t = tape;
        boolean params = wrt == Wrt.PARAMETERS;
        Map<String, INDArray> g = params ? UNetGraph.views(gradient, layout) : null;
        INDArray in = outInput(t);
        INDArray gIn = t.buffer("out input", in.shape());
        // the last layer is a transposed convolution to the image's channels: its input gradient is a
        // convolution from them, its weight gradient the narrow kernels' (libnd4j's op when they decline)
        imageConv(gradOut, w.get("out_tconv"), gIn);
        if (params) {
            if (!ConvKernels.narrowConvWeightGradient(gradOut, in, g.get("out_tconv"))) {
                INDArray unused = t.buffer("out input, unused", in.shape());
                ConvOps.deconvBackward(in, w.get("out_tconv"), null, gradOut, 1, unused, g.get("out_tconv"), null);
            }
            g.get("out_b").assign(gradOut.sum(0, 2, 3));
        }
        INDArray[] skip = new INDArray[levels];
        INDArray carry = gIn;
        if (levels > 1) {
            carry = firstChannels(gIn, ch[0]);
            skip[0] = lastChannels(gIn, ch[0]);
        }
        for (int i = 1; i < levels; i++) {
            Block b = t.decoder(i);
            blockBackward(b, carry, g);
            INDArray gRaw;
            if (t.raw[i] != null) {
                gRaw = t.buffer("dec raw " + i, t.raw[i].shape());
                gRaw.assign(topLeft(carry, gRaw));
            } else {
                gRaw = dense(carry) ? carry : t.buffer("dec raw " + i, carry.shape()).assign(carry);
            }
            INDArray dIn = decoderInput(t, i);
            INDArray gDIn = t.buffer("dec input " + i, dIn.shape());
            if (params) {
                ConvOps.deconvBackward(dIn, w.get(b.name + "_tconv"), null, gRaw, 2, gDIn, g.get(b.name + "_tconv"),
                        null);
            } else {
                ConvOps.conv(gRaw, w.get(b.name + "_tconv"), 2, gDIn);
            }
            if (i == levels - 1) {
                carry = gDIn;
            } else {
                carry = firstChannels(gDIn, ch[i]);
                skip[i] = lastChannels(gDIn, ch[i]);
            }
        }
        for (int i = levels - 1; i >= 0; i--) {
            if (skip[i] != null) {
                ConvKernels.addInto(carry, skip[i]);
            }
            Block b = t.blocks[i];
            blockBackward(b, carry, g);
            INDArray input = i == 0 ? t.x : t.blocks[i - 1].gn.output();
            int stride = i == 0 ? 1 : 2;
            INDArray gInput = t.buffer("enc input " + i, input.shape());
            if (params && i == 0) {
                // the first layer's input is the image: its weight gradient only
                if (!ConvKernels.narrowConvWeightGradient(input, carry, g.get(b.name + "_conv"))) {
                    ConvOps.convBackward(input, w.get(b.name + "_conv"), carry, 1, gInput, g.get(b.name + "_conv"));
                }
                break;
            } else if (params) {
                ConvOps.convBackward(input, w.get(b.name + "_conv"), carry, stride, gInput, g.get(b.name + "_conv"));
            } else if (i == 0) {
                imageDeconv(carry, w.get(b.name + "_conv"), null, gInput);
            } else {
                long rh = stride * (carry.size(2) - 1) + 3;
                long rw = stride * (carry.size(3) - 1) + 3;
                if (rh == input.size(2) && rw == input.size(3)) {
                    ConvOps.deconv(carry, w.get(b.name + "_conv"), null, stride, gInput);
                } else {
                    // the convolution dropped the last rows or columns: their gradient is zero (the
                    // buffer's border holds the previous pass's values, which the next level changes
                    // in place)
                    INDArray raw = t.buffer("enc raw " + i, input.size(0), input.size(1), rh, rw);
                    ConvOps.deconv(carry, w.get(b.name + "_conv"), null, stride, raw);
                    gInput.assign(0);
                    topLeft(gInput, raw).assign(raw);
                }
            }
            carry = gInput;
        }
        INDArray result = null;
        if (params) {
            embeddingBackward(t, g);
        } else {
            result = carry.dup();
        }
        return result;
    }

    /** GroupNorm + SiLU backward in place on {@code grad}, with the block's parameter gradients when asked. */
    private void blockBackward(Block b, INDArray grad, Map<String, INDArray> g) {
        if (g == null) {
            b.gn.backward(grad, grad, null, null, null);
        } else {
            b.gn.backward(grad, grad, b.gradShift, g.get(b.name + "_gn_gamma"), g.get(b.name + "_gn_beta"));
        }
    }

    /** The dense projections' and the time embedding's gradients, from the blocks' shift gradients. */
    private void embeddingBackward(Tape t, Map<String, INDArray> g) {
        INDArray gEmbed = Nd4j.create(type, t.embed.shape());
        INDArray embedT = t.embed.transpose();
        for (Block b : t.blocks) {
            g.get(b.name + "_dense_W").assign(embedT.mmul(b.gradShift));
            g.get(b.name + "_dense_b").assign(b.gradShift.sum(0));
            gEmbed.addi(b.gradShift.mmul(w.get(b.name + "_dense_W").transpose()));
        }
        INDArray gPre = gEmbed.muli(t.embedDerivative);
        g.get("embed_W").assign(t.fourier.transpose().mmul(gPre));
        g.get("embed_b").assign(gPre.sum(0));
        if (t.oneHot != null) {
            g.get("label_E").assign(t.oneHot.transpose().mmul(gPre));
        }
    }

    /** A stride-1 convolution from the image side (the first layer, the last one's input gradient). */
    private static void imageConv(INDArray image, INDArray weights, INDArray features) {
        if (!ConvKernels.narrowConv(image, weights, features)) {
            ConvOps.conv(image, weights, 1, features);
        }
    }

    /** A stride-1 transposed convolution to the image side (the last layer, the first one's input gradient). */
    private static void imageDeconv(INDArray features, INDArray weights, INDArray bias, INDArray image) {
        if (!ConvKernels.narrowConvTranspose(features, weights, bias, image)) {
            ConvOps.deconv(features, weights, bias, 1, image);
        }
    }

    private INDArray decoderInput(Tape t, int level) {
        return level == levels - 1 ? t.blocks[levels - 1].gn.output() : t.decIn[level];
    }

    private INDArray outInput(Tape t) {
        return levels == 1 ? t.blocks[0].gn.output() : t.outInput;
    }

    private static void concatChannels(INDArray a, INDArray b, INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(a, b).addOutputs(out).addIntegerArguments(1).build());
    }

    /** The first c channels of a, a view (its examples lie apart; {@link GroupNormSilu} takes such views in place). */
    private static INDArray firstChannels(INDArray a, long c) {
        return a.get(ALL, NDArrayIndex.interval(0, c), ALL, ALL);
    }

    /** The channels of a from c on, a view. */
    private static INDArray lastChannels(INDArray a, long c) {
        return a.get(ALL, NDArrayIndex.interval(c, a.size(1)), ALL, ALL);
    }

    /** The top-left {@code [.., .., h, w]} of a {@code [B, C, H, W]}, h and w those of {@code like}: a view. */
    private static INDArray topLeft(INDArray a, INDArray like) {
        return a.get(ALL, ALL, NDArrayIndex.interval(0, like.size(2)), NDArrayIndex.interval(0, like.size(3)));
    }

    /** Whether a's values are adjacent in row-major order (what the convolution ops are given). */
    private static boolean dense(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && a.stride(0) == a.length() / a.size(0);
    }

    /** The tape for a batch of n, reused when the last one had the same size. */
    private Tape tape(int n) {
        if (tape == null || tape.n != n) {
            if (tape != null) {
                tape.release();
            }
            tape = new Tape(n);
        }
        return tape;
    }

    /** One GroupNorm + SiLU block's arrays: the convolution's output (padded for the decoder), the embedding's shift. */
    private static final class Block {
        final String name;
        final INDArray pre;
        final INDArray shift;
        final INDArray gradShift;
        final GroupNormSilu gn;

        Block(String name, INDArray pre, INDArray shift, GroupNormSilu gn) {
            this.name = name;
            this.pre = pre;
            this.shift = shift;
            this.gradShift = Nd4j.create(shift.dataType(), shift.shape(), 'c');
            this.gn = gn;
        }
    }

    /** The arrays of one batch size: inputs of the last pass, activations, and what backward needs. */
    private final class Tape {
        final int n;
        final INDArray embedPre;
        final INDArray embed;
        final INDArray embedDerivative;
        /** levels encoder blocks, then the decoder's from the deepest up. */
        final Block[] blocks;
        /** per decoder level i below the deepest: the concatenation [decoder output, skip] */
        final INDArray[] decIn;
        /** per decoder level: the transposed convolution's output before padding, when it needs padding */
        final INDArray[] raw;
        final INDArray outInput;
        final INDArray out;
        /** the backward pass's gradients, by role, allocated (zeroed) at first use */
        final Map<String, INDArray> buffers = new java.util.HashMap<>();
        INDArray x;
        INDArray fourier;
        INDArray oneHot;

        /**
         * The backward pass's array for a role: zeros at first, then whatever the last pass left
         * (each user writes all of it before reading it).
         */
        INDArray buffer(String role, long... shape) {
            INDArray a = buffers.get(role);
            if (a == null || !java.util.Arrays.equals(a.shape(), shape)) {
                a = Nd4j.zeros(type, shape);
                buffers.put(role, a);
            }
            return a;
        }

        Tape(int n) {
            this.n = n;
            int e = config.embedding();
            embedPre = Nd4j.create(type, new long[] {n, e}, 'f');
            embed = Nd4j.create(type, new long[] {n, e}, 'f');
            embedDerivative = Nd4j.create(type, new long[] {n, e}, 'f');
            blocks = new Block[2 * levels - 1];
            for (int i = 0; i < levels; i++) {
                blocks[i] = block("enc" + i, n, ch[i], sizes[i], config.groupsAt(i, true));
            }
            decIn = new INDArray[levels];
            raw = new INDArray[levels];
            for (int i = levels - 1; i >= 1; i--) {
                blocks[levels + (levels - 1 - i)] = block("dec" + i, n, ch[i - 1], sizes[i - 1],
                        config.groupsAt(i - 1, false));
                if (i < levels - 1) {
                    decIn[i] = Nd4j.create(type, new long[] {n, 2L * ch[i], sizes[i][0], sizes[i][1]}, 'c');
                }
                long rh = 2L * (sizes[i][0] - 1) + 3;
                long rw = 2L * (sizes[i][1] - 1) + 3;
                if (rh != sizes[i - 1][0] || rw != sizes[i - 1][1]) {
                    raw[i] = Nd4j.create(type, new long[] {n, ch[i - 1], rh, rw}, 'c');
                }
            }
            outInput = levels == 1 ? null
                    : Nd4j.create(type, new long[] {n, 2L * ch[0], sizes[0][0], sizes[0][1]}, 'c');
            out = Nd4j.create(type, new long[] {n, config.imageChannels(), config.height(), config.width()}, 'c');
        }

        /** The decoder block of level i (its output has level i - 1's channels and size). */
        Block decoder(int level) {
            return blocks[levels + (levels - 1 - level)];
        }

        private Block block(String name, int n, int channels, int[] size, int groups) {
            INDArray pre = Nd4j.zeros(type, n, channels, size[0], size[1]);
            INDArray shift = Nd4j.create(type, new long[] {n, channels}, 'c');
            GroupNormSilu gn = GroupNormSilu.over(pre, shift, w.get(name + "_gn_gamma"), w.get(name + "_gn_beta"),
                    groups, GROUP_NORM_EPS, true);
            return new Block(name, pre, shift, gn);
        }

        void release() {
            List<INDArray> all = new ArrayList<>(List.of(embedPre, embed, embedDerivative, out));
            all.addAll(buffers.values());
            for (Block b : blocks) {
                all.add(b.pre);
                all.add(b.shift);
                all.add(b.gradShift);
                b.gn.release();
            }
            for (INDArray a : decIn) {
                if (a != null) {
                    all.add(a);
                }
            }
            for (INDArray a : raw) {
                if (a != null) {
                    all.add(a);
                }
            }
            if (outInput != null) {
                all.add(outInput);
            }
            NdArrays.release(all.toArray(new INDArray[0]));
        }
    }
}
