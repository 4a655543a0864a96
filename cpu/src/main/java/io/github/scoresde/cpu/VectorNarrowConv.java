package io.github.scoresde.cpu;

import static io.github.scoresde.cpu.VectorKernels.ORDER;
import static io.github.scoresde.cpu.VectorKernels.S;
import static io.github.scoresde.cpu.VectorKernels.bytes;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Vector API kernels of the 3x3, stride-1, unpadded convolutions between an image-side array of
 * few channels {@code [B, k, H, W]} and a feature array {@code [B, C, H - 2, W - 2]}, weights
 * {@code [3, 3, k, C]} (ConvKernels.narrowConv and its relatives in scoresde-core). Each plane is
 * walked as one flat range whose rows have the image's width: the two columns where a row wraps
 * into the next are computed and dropped (forward) or multiplied by zero columns of a padded
 * copy (weight gradient), so that every loop runs in whole vectors over contiguous memory.
 * float32, row-major, dense arrays.
 */
final class VectorNarrowConv {
    private VectorNarrowConv() {
    }

    /** features[b, c, i, j] = sum_{k, ky, kx} w[ky, kx, k, c] image[b, k, i + ky, j + kx]. */
    static void conv(INDArray image, float[] w, INDArray features) {
        int batch = (int) image.size(0);
        int k = (int) image.size(1);
        int height = (int) image.size(2);
        int width = (int) image.size(3);
        int c = (int) features.size(1);
        int h = height - 2;
        int wo = width - 2;
        int step = S.length();
        if (wo < step) {
            convNarrowRows(image, w, features, k, c);
            return;
        }
        // one example's image planes in a Java array; weights as [c][k][tap]
        float[] img = new float[k * height * width];
        FloatBuffer src = bytes(image).asFloatBuffer();
        ByteBuffer ob = bytes(features);
        float[] wt = new float[c * k * 9];
        for (int ch = 0; ch < c; ch++) {
            for (int kk = 0; kk < k; kk++) {
                for (int t = 0; t < 9; t++) {
                    wt[(ch * k + kk) * 9 + t] = w[(t * k + kk) * c + ch];
                }
            }
        }
        // each output row in vectors from j = 0, the last one ending at the row's end (overlapping
        // its predecessor: those values are computed twice, identically)
        int blocks = (wo + step - 1) / step;
        for (int b = 0; b < batch; b++) {
            src.get((int) (image.offset() + (long) b * k * height * width), img, 0, img.length);
            for (int i = 0; i < h; i++) {
                for (int blk = 0; blk < blocks; blk++) {
                    int j = Math.min(blk * step, wo - step);
                    for (int kk = 0; kk < k; kk++) {
                        // the nine shifted input vectors, loaded once for every output channel
                        int at = (kk * height + i) * width + j;
                        FloatVector v0 = FloatVector.fromArray(S, img, at);
                        FloatVector v1 = FloatVector.fromArray(S, img, at + 1);
                        FloatVector v2 = FloatVector.fromArray(S, img, at + 2);
                        FloatVector v3 = FloatVector.fromArray(S, img, at + width);
                        FloatVector v4 = FloatVector.fromArray(S, img, at + width + 1);
                        FloatVector v5 = FloatVector.fromArray(S, img, at + width + 2);
                        FloatVector v6 = FloatVector.fromArray(S, img, at + 2 * width);
                        FloatVector v7 = FloatVector.fromArray(S, img, at + 2 * width + 1);
                        FloatVector v8 = FloatVector.fromArray(S, img, at + 2 * width + 2);
                        for (int ch = 0; ch < c; ch++) {
                            int o = (int) ((features.offset() + ((long) (b * c + ch) * h + i) * wo + j) * 4);
                            int q = (ch * k + kk) * 9;
                            FloatVector acc = kk == 0 ? v0.mul(wt[q]) : v0.fma(FloatVector.broadcast(S, wt[q]),
                                    FloatVector.fromByteBuffer(S, ob, o, ORDER));
                            acc = v1.fma(FloatVector.broadcast(S, wt[q + 1]), acc);
                            acc = v2.fma(FloatVector.broadcast(S, wt[q + 2]), acc);
                            acc = v3.fma(FloatVector.broadcast(S, wt[q + 3]), acc);
                            acc = v4.fma(FloatVector.broadcast(S, wt[q + 4]), acc);
                            acc = v5.fma(FloatVector.broadcast(S, wt[q + 5]), acc);
                            acc = v6.fma(FloatVector.broadcast(S, wt[q + 6]), acc);
                            acc = v7.fma(FloatVector.broadcast(S, wt[q + 7]), acc);
                            acc = v8.fma(FloatVector.broadcast(S, wt[q + 8]), acc);
                            acc.intoByteBuffer(ob, o, ORDER);
                        }
                    }
                }
            }
        }
    }

    /** {@link #conv} for rows narrower than a vector, in plain loops ({@code k} image channels, {@code c} feature channels). */
    private static void convNarrowRows(INDArray image, float[] w, INDArray features, int k, int c) {
        int batch = (int) features.size(0);
        int h = (int) features.size(2);
        int wo = (int) features.size(3);
        int height = h + 2;
        int width = wo + 2;
        FloatBuffer in = bytes(image).asFloatBuffer();
        FloatBuffer out = bytes(features).asFloatBuffer();
        for (int b = 0; b < batch; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wo; j++) {
                        float acc = 0;
                        for (int kk = 0; kk < k; kk++) {
                            int plane = (int) (image.offset() + (long) (b * k + kk) * height * width);
                            for (int t = 0; t < 9; t++) {
                                acc += w[(t * k + kk) * c + ch] * in.get(plane + (i + t / 3) * width + j + t % 3);
                            }
                        }
                        out.put((int) (features.offset() + ((long) (b * c + ch) * h + i) * wo + j), acc);
                    }
                }
            }
        }
    }

    /**
     * image[b, k, y, x] = bias[k] + sum_{c, ky, kx} w[ky, kx, k, c] features[b, c, y - ky, x - kx]
     * (the transposed convolution; bias may be null).
     */
    static void convTranspose(INDArray features, float[] w, float[] bias, INDArray image) {
        int batch = (int) features.size(0);
        int c = (int) features.size(1);
        int h = (int) features.size(2);
        int wi = (int) features.size(3);
        int k = (int) image.size(1);
        int height = h + 2;
        int width = wi + 2;
        // features zero-padded by 2 on every side, rows of stride pw; output rows of the same stride
        int pw = wi + 4;
        float[] padded = new float[(h + 4) * pw];
        int span = (height - 1) * pw + width;
        float[][] acc = new float[k][height * pw];
        FloatBuffer in = bytes(features).asFloatBuffer();
        FloatBuffer out = bytes(image).asFloatBuffer();
        int step = S.length();
        int bound = S.loopBound(span);
        float[] taps = new float[9];
        int[] shift = new int[9];
        for (int t = 0; t < 9; t++) {
            shift[t] = (2 - t / 3) * pw + (2 - t % 3);
        }
        for (int b = 0; b < batch; b++) {
            for (float[] a : acc) {
                java.util.Arrays.fill(a, 0f);
            }
            for (int ch = 0; ch < c; ch++) {
                int src = (int) (features.offset() + (long) (b * c + ch) * h * wi);
                for (int r = 0; r < h; r++) {
                    in.get(src + r * wi, padded, (r + 2) * pw + 2, wi);
                }
                for (int kk = 0; kk < k; kk++) {
                    for (int t = 0; t < 9; t++) {
                        taps[t] = w[(t * k + kk) * c + ch];
                    }
                    float[] a = acc[kk];
                    int q = 0;
                    for (; q < bound; q += step) {
                        FloatVector v = FloatVector.fromArray(S, a, q);
                        for (int t = 0; t < 9; t++) {
                            v = FloatVector.fromArray(S, padded, q + shift[t]).fma(FloatVector.broadcast(S, taps[t]), v);
                        }
                        v.intoArray(a, q);
                    }
                    for (; q < span; q++) {
                        float v = a[q];
                        for (int t = 0; t < 9; t++) {
                            v += taps[t] * padded[q + shift[t]];
                        }
                        a[q] = v;
                    }
                }
            }
            for (int kk = 0; kk < k; kk++) {
                float[] a = acc[kk];
                if (bias != null) {
                    float bk = bias[kk];
                    for (int q = 0; q < a.length; q++) {
                        a[q] += bk;
                    }
                }
                int dst = (int) (image.offset() + (long) (b * k + kk) * height * width);
                for (int y = 0; y < height; y++) {
                    out.put(dst + y * width, a, y * pw, width);
                }
            }
        }
    }

    /**
     * The weights' gradient of both: grad[ky, kx, k, c] = sum_{b, i, j} image[b, k, i + ky, j + kx]
     * features[b, c, i, j], as {@code [9 k C]} values in the weights' order.
     */
    static double[] weightGradient(INDArray image, INDArray features) {
        int batch = (int) image.size(0);
        int k = (int) image.size(1);
        int height = (int) image.size(2);
        int width = (int) image.size(3);
        int c = (int) features.size(1);
        int h = height - 2;
        int wi = width - 2;
        // the feature plane with rows of the image's width, its last two columns zero
        float[] padded = new float[h * width];
        int span = (h - 1) * width + wi;
        double[] grad = new double[9 * k * c];
        float[] img = new float[k * height * width];
        FloatBuffer src = bytes(image).asFloatBuffer();
        FloatBuffer in = bytes(features).asFloatBuffer();
        int step = S.length();
        int bound = S.loopBound(span);
        for (int b = 0; b < batch; b++) {
            src.get((int) (image.offset() + (long) b * k * height * width), img, 0, img.length);
            for (int ch = 0; ch < c; ch++) {
                int from = (int) (features.offset() + (long) (b * c + ch) * h * wi);
                for (int r = 0; r < h; r++) {
                    in.get(from + r * wi, padded, r * width, wi);
                }
                for (int kk = 0; kk < k; kk++) {
                    int plane = kk * height * width;
                    FloatVector a0 = FloatVector.zero(S);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    FloatVector a4 = a0;
                    FloatVector a5 = a0;
                    FloatVector a6 = a0;
                    FloatVector a7 = a0;
                    FloatVector a8 = a0;
                    int p = 0;
                    for (; p < bound; p += step) {
                        FloatVector g = FloatVector.fromArray(S, padded, p);
                        int at = plane + p;
                        a0 = FloatVector.fromArray(S, img, at).fma(g, a0);
                        a1 = FloatVector.fromArray(S, img, at + 1).fma(g, a1);
                        a2 = FloatVector.fromArray(S, img, at + 2).fma(g, a2);
                        a3 = FloatVector.fromArray(S, img, at + width).fma(g, a3);
                        a4 = FloatVector.fromArray(S, img, at + width + 1).fma(g, a4);
                        a5 = FloatVector.fromArray(S, img, at + width + 2).fma(g, a5);
                        a6 = FloatVector.fromArray(S, img, at + 2 * width).fma(g, a6);
                        a7 = FloatVector.fromArray(S, img, at + 2 * width + 1).fma(g, a7);
                        a8 = FloatVector.fromArray(S, img, at + 2 * width + 2).fma(g, a8);
                    }
                    double[] sums = {a0.reduceLanes(VectorOperators.ADD), a1.reduceLanes(VectorOperators.ADD),
                        a2.reduceLanes(VectorOperators.ADD), a3.reduceLanes(VectorOperators.ADD),
                        a4.reduceLanes(VectorOperators.ADD), a5.reduceLanes(VectorOperators.ADD),
                        a6.reduceLanes(VectorOperators.ADD), a7.reduceLanes(VectorOperators.ADD),
                        a8.reduceLanes(VectorOperators.ADD)};
                    for (; p < span; p++) {
                        float g = padded[p];
                        for (int t = 0; t < 9; t++) {
                            sums[t] += g * img[plane + p + (t / 3) * width + t % 3];
                        }
                    }
                    for (int t = 0; t < 9; t++) {
                        grad[(t * k + kk) * c + ch] += sums[t];
                    }
                }
            }
        }
        return grad;
    }
}
