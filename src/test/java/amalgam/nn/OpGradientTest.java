package amalgam.nn;

import static amalgam.nn.GradientCheck.check;

import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** A finite-difference gradient check per op (see {@link GradientCheck} for the tolerance argument). */
class OpGradientTest {
    private static long[] s(long... dims) {
        return dims;
    }

    @Test
    void matmulFlattensLeadingDims() {
        check("matmul", (g, in) -> g.matmul(in.get(0), in.get(1)),
                x -> References.matmul(x[0], x[1], 1, 6, 4, 5, false, false), 1, s(2, 3, 4), s(4, 5));
    }

    @Test
    void linearWithBias() {
        check("linear", (g, in) -> g.linear(in.get(0), in.get(1), in.get(2)), x -> {
            double[] y = References.matmul(x[0], x[1], 1, 6, 4, 3, false, true);
            for (int i = 0; i < y.length; i++) {
                y[i] += x[2][i % 3];
            }
            return y;
        }, 2, s(2, 3, 4), s(3, 4), s(3));
    }

    @Test
    void batchedMatmulAllTransposes() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                long[] a = ta ? s(2, 3, 4, 5) : s(2, 3, 5, 4);
                long[] b = tb ? s(2, 3, 6, 4) : s(2, 3, 4, 6);
                check("bmm " + ta + " " + tb, (g, in) -> g.batchedMatmul(in.get(0), in.get(1), ta, tb),
                        x -> References.matmul(x[0], x[1], 6, 5, 4, 6, ta, tb), 3, a, b);
            }
        }
    }

    @Test
    void addSubtractMultiplySameShape() {
        check("add", (g, in) -> g.add(in.get(0), in.get(1)), x -> zip(x[0], x[1], (a, b) -> a + b), 4, s(3, 5), s(3, 5));
        check("subtract", (g, in) -> g.subtract(in.get(0), in.get(1)), x -> zip(x[0], x[1], (a, b) -> a - b), 5,
                s(3, 5), s(3, 5));
        check("multiply", (g, in) -> g.multiply(in.get(0), in.get(1)), x -> zip(x[0], x[1], (a, b) -> a * b), 6,
                s(3, 37), s(3, 37));
    }

    @Test
    void broadcastRowColumnScalarAndBoth() {
        // row (bias) [2, 3, 4] with [4]; column [2, 3, 4] with [2, 3, 1]; scalar []; mixed [3, 1] with [1, 4]
        check("row", (g, in) -> g.multiply(in.get(0), in.get(1)),
                x -> broadcast(x[0], s(2, 3, 4), x[1], s(4), (a, b) -> a * b), 7, s(2, 3, 4), s(4));
        check("column", (g, in) -> g.subtract(in.get(0), in.get(1)),
                x -> broadcast(x[0], s(2, 3, 4), x[1], s(2, 3, 1), (a, b) -> a - b), 8, s(2, 3, 4), s(2, 3, 1));
        check("scalar", (g, in) -> g.multiply(in.get(1), in.get(0)),
                x -> broadcast(x[1], s(3, 4), x[0], s(), (a, b) -> a * b), 9, s(), s(3, 4));
        check("outer", (g, in) -> g.add(in.get(0), in.get(1)),
                x -> broadcast(x[0], s(3, 1), x[1], s(1, 4), (a, b) -> a + b), 10, s(3, 1), s(1, 4));
        check("bias", (g, in) -> g.addBias(in.get(0), in.get(1)),
                x -> broadcast(x[0], s(5, 3), x[1], s(3), (a, b) -> a + b), 11, s(5, 3), s(3));
    }

    @Test
    void scale() {
        check("scale", (g, in) -> g.scale(in.get(0), -2.5f), x -> map(x[0], v -> -2.5 * v), 12, s(4, 3));
    }

    @Test
    void reshapeTransposeConcatSlice() {
        check("reshape", (g, in) -> g.multiply(g.reshape(in.get(0), 4, 3), g.reshape(in.get(0), 4, 3)),
                x -> map(x[0], v -> v * v), 13, s(2, 6));
        check("transpose 1,2", (g, in) -> g.transpose(in.get(0), 1, 2),
                x -> References.swapAxes(x[0], 2, 3, 1, 4, 5), 14, s(2, 3, 4, 5));
        check("transpose last", (g, in) -> g.transpose(in.get(0), -1, 0),
                x -> References.swapAxes(x[0], 1, 3, 2, 4, 1), 15, s(3, 2, 4));
        check("concat", (g, in) -> g.concat(List.of(in.get(0), in.get(1), in.get(0)), 1), x -> {
            double[] y = new double[2 * 7 * 3];
            for (int o = 0; o < 2; o++) {
                System.arraycopy(x[0], o * 6, y, o * 21, 6);
                System.arraycopy(x[1], o * 9, y, o * 21 + 6, 9);
                System.arraycopy(x[0], o * 6, y, o * 21 + 15, 6);
            }
            return y;
        }, 16, s(2, 2, 3), s(2, 3, 3));
        check("slice", (g, in) -> g.slice(in.get(0), 1, 1, 3), x -> {
            double[] y = new double[2 * 2 * 3];
            for (int o = 0; o < 2; o++) {
                System.arraycopy(x[0], o * 12 + 3, y, o * 6, 6);
            }
            return y;
        }, 17, s(2, 4, 3));
    }

    @Test
    void layerNorm() {
        check("layerNorm", (g, in) -> g.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5f),
                x -> References.layerNorm(x[0], x[1], x[2], 7, 1e-5), 18, s(2, 3, 7), s(7), s(7));
    }

    @Test
    void activations() {
        check("gelu", (g, in) -> g.gelu(in.get(0)), x -> map(x[0], References::gelu), 19, s(5, 7));
        check("quickGelu", (g, in) -> g.quickGelu(in.get(0)), x -> map(x[0], v -> v * References.sigmoid(1.702 * v)), 20,
                s(5, 7));
        check("sigmoid", (g, in) -> g.sigmoid(in.get(0)), x -> map(x[0], References::sigmoid), 21, s(5, 7));
        check("relu", (g, in) -> g.relu(in.get(0)), x -> map(x[0], v -> Math.max(v, 0)), 22, s(5, 7));
    }

    @Test
    void l1LossAgainstAConstantTarget() {
        float[] target = new float[15];
        for (int i = 0; i < target.length; i++) {
            target[i] = 0.37f * (i % 4) - 0.6f;
        }
        check("l1", (g, in) -> g.l1Loss(in.get(0), Tensor.ofFloats(target, 3, 5)), x -> {
            double total = 0;
            for (int i = 0; i < x[0].length; i++) {
                total += Math.abs(x[0][i] - target[i]);
            }
            return new double[] {total / x[0].length};
        }, 23, s(3, 5));
    }

    @Test
    void geluOnWideRange() {
        double[][] inputs = {new double[40]};
        for (int i = 0; i < 40; i++) {
            inputs[0][i] = (float) (-8 + 0.41 * i);
        }
        check("gelu wide", (g, in) -> g.gelu(in.get(0)), x -> map(x[0], References::gelu), 22, inputs, s(40));
    }

    @Test
    void softmaxAndLogSoftmax() {
        check("softmax", (g, in) -> g.softmax(in.get(0)), x -> References.softmaxRows(x[0], 6, false), 23, s(2, 3, 6));
        check("logSoftmax", (g, in) -> g.logSoftmax(in.get(0)), x -> References.softmaxRows(x[0], 6, true), 24, s(4, 6));
    }

    @Test
    void attentionPlainCausalAndPadded() {
        float[] keyMask = {1, 1, 1, 0, 0, 1, 1, 1, 1, 1};
        for (boolean causal : new boolean[] {false, true}) {
            for (float[] mask : new float[][] {null, keyMask}) {
                Tensor maskTensor = mask == null ? null : Tensor.ofFloats(mask, 2, 5);
                check("attention causal=" + causal + " mask=" + (mask != null),
                        (g, in) -> g.attention(in.get(0), in.get(1), in.get(2), causal, maskTensor),
                        x -> References.attention(x[0], x[1], x[2], 2, 3, 5, 5, 4, 3, causal, mask), 25,
                        s(2, 3, 5, 4), s(2, 3, 5, 4), s(2, 3, 5, 3));
            }
        }
    }

    @Test
    void groupedQueryAttentionWithSlidingWindow() {
        float[] keyMask = {1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1}; // no query sees only padding
        for (int kvHeads : new int[] {1, 2}) {
            for (int window : new int[] {0, 2}) {
                AttentionMask mask = new AttentionMask(true, Tensor.ofFloats(keyMask, 2, 6), window);
                check("attention kvHeads=" + kvHeads + " window=" + window,
                        (g, in) -> g.attention(in.get(0), in.get(1), in.get(2), mask, (float) (1 / Math.sqrt(4))),
                        x -> References.attention(x[0], x[1], x[2], 2, 4, kvHeads, 6, 6, 4, 3, true, window, keyMask), 40,
                        s(2, 4, 6, 4), s(2, kvHeads, 6, 4), s(2, kvHeads, 6, 3));
            }
        }
    }

    @Test
    void rmsNorm() {
        check("rmsNorm", (g, in) -> g.rmsNorm(in.get(0), in.get(1), 1e-5f), x -> {
            double[] y = new double[x[0].length];
            for (int row = 0; row < y.length / 7; row++) {
                double squares = 0;
                for (int i = 0; i < 7; i++) {
                    squares += x[0][row * 7 + i] * x[0][row * 7 + i];
                }
                double r = 1 / Math.sqrt(squares / 7 + 1e-5);
                for (int i = 0; i < 7; i++) {
                    y[row * 7 + i] = x[1][i] * x[0][row * 7 + i] * r;
                }
            }
            return y;
        }, 41, s(2, 3, 7), s(7));
    }

    @Test
    void rotaryWithSharedAndPerRowTables() {
        java.util.Random random = new java.util.Random(42);
        for (boolean perRow : new boolean[] {false, true}) {
            int rows = perRow ? 2 * 5 : 5;
            float[] cos = new float[rows * 6];
            float[] sin = new float[rows * 6];
            for (int i = 0; i < cos.length; i++) {
                double angle = 4 * random.nextDouble();
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            long[] table = perRow ? s(2, 5, 6) : s(5, 6);
            Tensor cosTable = Tensor.ofFloats(cos, table);
            Tensor sinTable = Tensor.ofFloats(sin, table);
            check("rotary perRow=" + perRow, (g, in) -> g.rotary(in.get(0), cosTable, sinTable), x -> {
                double[] y = new double[x[0].length];
                for (int row = 0; row < y.length / 6; row++) {
                    int b = row / (3 * 5);
                    int t = (perRow ? b * 5 : 0) + row % 5;
                    for (int j = 0; j < 6; j++) {
                        double rotated = j < 3 ? -x[0][row * 6 + j + 3] : x[0][row * 6 + j - 3];
                        y[row * 6 + j] = x[0][row * 6 + j] * cos[t * 6 + j] + rotated * sin[t * 6 + j];
                    }
                }
                return y;
            }, 42, s(2, 3, 5, 6));
        }
    }

    @Test
    void siluAndTanhGelu() {
        check("silu", (g, in) -> g.silu(in.get(0)), x -> map(x[0], v -> v * References.sigmoid(v)), 43, s(5, 7));
        double c = Math.sqrt(2 / Math.PI);
        check("tanhGelu", (g, in) -> g.tanhGelu(in.get(0)),
                x -> map(x[0], v -> 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)))), 44, s(5, 7));
    }

    @Test
    void embeddingWithRepeatedIds() {
        long[] ids = {3, 0, 3, 1, 4, 3};
        check("embedding", (g, in) -> g.embedding(in.get(0), ids, 2, 3), x -> {
            double[] y = new double[6 * 4];
            for (int i = 0; i < 6; i++) {
                System.arraycopy(x[0], (int) ids[i] * 4, y, i * 4, 4);
            }
            return y;
        }, 26, s(5, 4));
    }

    @Test
    void patchEmbeddingIsAStridedConvolution() {
        // images [2, 3, 5, 4] (last row dropped), patch 2 -> 2 x 2 patches, weight [6, 3, 2, 2], bias [6]
        check("patchEmbedding", (g, in) -> g.patchEmbedding(in.get(0), in.get(1), in.get(2)), x -> {
            double[] y = new double[2 * 4 * 6];
            for (int b = 0; b < 2; b++) {
                for (int py = 0; py < 2; py++) {
                    for (int px = 0; px < 2; px++) {
                        for (int o = 0; o < 6; o++) {
                            double sum = x[2][o];
                            for (int c = 0; c < 3; c++) {
                                for (int ky = 0; ky < 2; ky++) {
                                    for (int kx = 0; kx < 2; kx++) {
                                        sum += x[1][((o * 3 + c) * 2 + ky) * 2 + kx]
                                                * x[0][((b * 3 + c) * 5 + py * 2 + ky) * 4 + px * 2 + kx];
                                    }
                                }
                            }
                            y[((b * 4) + py * 2 + px) * 6 + o] = sum;
                        }
                    }
                }
            }
            return y;
        }, 27, s(2, 3, 5, 4), s(6, 3, 2, 2), s(6));
    }

    @Test
    void sumsAndMeans() {
        check("sum", (g, in) -> g.sum(in.get(0)), x -> new double[] {sum(x[0])}, 28, s(3, 4));
        check("mean", (g, in) -> g.mean(in.get(0)), x -> new double[] {sum(x[0]) / 12}, 29, s(3, 4));
        check("sum axis 1", (g, in) -> g.sum(in.get(0), 1), x -> {
            double[] y = new double[2 * 4];
            for (int o = 0; o < 2; o++) {
                for (int j = 0; j < 3; j++) {
                    for (int i = 0; i < 4; i++) {
                        y[o * 4 + i] += x[0][(o * 3 + j) * 4 + i];
                    }
                }
            }
            return y;
        }, 30, s(2, 3, 4));
        check("mean axis -1", (g, in) -> g.mean(in.get(0), -1), x -> {
            double[] y = new double[6];
            for (int i = 0; i < 24; i++) {
                y[i / 4] += x[0][i] / 4;
            }
            return y;
        }, 31, s(2, 3, 4));
    }

    @Test
    void crossEntropyAndEntropy() {
        long[] labels = {2, 0, 4};
        check("crossEntropy", (g, in) -> g.crossEntropy(in.get(0), labels), x -> {
            double[] lp = References.softmaxRows(x[0], 5, true);
            return new double[] {-(lp[2] + lp[5] + lp[14]) / 3};
        }, 32, s(3, 5));
        check("entropy", (g, in) -> g.entropy(g.scale(in.get(0), 3f)), x -> {
            double[] p = References.softmaxRows(map(x[0], v -> 3 * v), 5, false);
            double h = 0;
            for (double pc : p) {
                h -= pc * Math.log(pc + 1e-8);
            }
            return new double[] {h / 3};
        }, 33, s(3, 5));
    }

    @Test
    void l2Normalize() {
        check("l2Normalize", (g, in) -> g.l2Normalize(in.get(0)), x -> {
            double[] y = new double[x[0].length];
            for (int r = 0; r < 3; r++) {
                double norm = 0;
                for (int i = 0; i < 5; i++) {
                    norm += x[0][r * 5 + i] * x[0][r * 5 + i];
                }
                for (int i = 0; i < 5; i++) {
                    y[r * 5 + i] = x[0][r * 5 + i] / Math.sqrt(norm);
                }
            }
            return y;
        }, 34, s(3, 5));
    }

    @Test
    void weightedSumReachesWeightsBaseAndTaus() {
        check("weightedSum", (g, in) -> g.weightedSum(in.get(0), List.of(in.get(1), in.get(2)), in.get(3),
                new long[] {2, 0}), x -> {
                    double[] y = new double[6];
                    for (int i = 0; i < 6; i++) {
                        y[i] = x[0][i] + x[3][2] * x[1][i] + x[3][0] * x[2][i];
                    }
                    return y;
                }, 35, s(2, 3), s(2, 3), s(2, 3), s(3));
    }

    // ---- small double helpers ----

    private interface Binary {
        double apply(double a, double b);
    }

    private static double[] zip(double[] a, double[] b, Binary f) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = f.apply(a[i], b[i]);
        }
        return y;
    }

    private static double[] map(double[] a, DoubleUnaryOperator f) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = f.applyAsDouble(a[i]);
        }
        return y;
    }

    private static double sum(double[] a) {
        double total = 0;
        for (double v : a) {
            total += v;
        }
        return total;
    }

    /** NumPy broadcasting written out naively: for each output index, map to each operand's index. */
    private static double[] broadcast(double[] a, long[] as, double[] b, long[] bs, Binary f) {
        int rank = Math.max(as.length, bs.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long ad = i - (rank - as.length) < 0 ? 1 : as[i - (rank - as.length)];
            long bd = i - (rank - bs.length) < 0 ? 1 : bs[i - (rank - bs.length)];
            out[i] = Math.max(ad, bd);
        }
        int count = (int) Shape.of(out).elementCount();
        double[] y = new double[count];
        for (int flat = 0; flat < count; flat++) {
            long[] index = new long[rank];
            long rest = flat;
            for (int i = rank - 1; i >= 0; i--) {
                index[i] = rest % out[i];
                rest /= out[i];
            }
            y[flat] = f.apply(a[offset(index, as)], b[offset(index, bs)]);
        }
        return y;
    }

    private static int offset(long[] index, long[] dims) {
        int shift = index.length - dims.length;
        long offset = 0;
        for (int i = 0; i < dims.length; i++) {
            offset = offset * dims[i] + (dims[i] == 1 ? 0 : index[i + shift]);
        }
        return (int) offset;
    }
}
