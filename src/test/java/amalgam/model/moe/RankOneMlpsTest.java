package amalgam.model.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.model.clip.ClipConfig;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RankOne-MoE's block against the defining formulas in double (D 2, I 3, T 2 tasks, rank_k 2, a depth-0 router with
 * given weights): fc weights W0 + Σᵢ Σⱼ w_{i·k+j} u_{ij} svh_{ij}, fc biases b0 + λ Σᵢ τᵢ, and FusionBench's soft top-k.
 * Tolerance 1e-5 relative: float32 round-off of sums of a few terms through two layers (~1e-6).
 */
class RankOneMlpsTest {
    private static final int D = 2;
    private static final int I = 3;
    private static final int K = 2;
    private static final double LAMBDA = 0.3;

    @Test
    void theBlockIsTheHandMergedMlp() {
        for (int selectK : List.of(-1, 3)) {
            Random random = new Random(7 + selectK);
            RankOneMixture mixture = new RankOneMixture(List.of("a", "b"), 1, D, I, 0, LAMBDA, true, K, selectK);
            Map<String, double[]> values = new LinkedHashMap<>();
            for (String fc : WeightEnsemblingMixture.FCS) {
                int out = mixture.outFeatures(fc);
                int in = mixture.inFeatures(fc);
                values.put(WeightEnsemblingTensorNames.base(0, fc, "weight"), random(random, out * in));
                values.put(WeightEnsemblingTensorNames.base(0, fc, "bias"), random(random, out));
            }
            mixture.mixtureTensors().forEach((name, shape) -> values.put(name, random(random, (int) shape.elementCount())));
            double[] w = {0.9, -0.2, 0.4, 0.1}; // E = T·k router weights, distinct so the top 3 are clear
            values.put(WeightEnsemblingTensorNames.gate(0) + ".weight", w);
            double[] x = random(random, 2 * 2 * D);
            double[] effective = w.clone();
            if (selectK > 0) {
                double threshold = 0.1; // the 3rd largest of w
                for (int e = 0; e < w.length; e++) {
                    effective[e] = w[e] / (1 + Math.exp(-100 * (w[e] - threshold)));
                }
            }
            Map<String, double[]> merged = new LinkedHashMap<>();
            for (String fc : WeightEnsemblingMixture.FCS) {
                int out = mixture.outFeatures(fc);
                int in = mixture.inFeatures(fc);
                double[] weight = values.get(WeightEnsemblingTensorNames.base(0, fc, "weight")).clone();
                double[] bias = values.get(WeightEnsemblingTensorNames.base(0, fc, "bias")).clone();
                double[] biases = values.get(WeightEnsemblingTensorNames.rankOneBias(0, fc));
                for (int t = 0; t < 2; t++) {
                    double[] u = values.get(WeightEnsemblingTensorNames.rankOneU(0, t, fc));   // [k, out]
                    double[] svh = values.get(WeightEnsemblingTensorNames.rankOneSvh(0, t, fc)); // [k, in]
                    for (int j = 0; j < K; j++) {
                        for (int o = 0; o < out; o++) {
                            for (int c = 0; c < in; c++) {
                                weight[o * in + c] += effective[t * K + j] * u[j * out + o] * svh[j * in + c];
                            }
                        }
                    }
                    for (int o = 0; o < out; o++) {
                        bias[o] += LAMBDA * biases[t * out + o];
                    }
                }
                merged.put(fc + ".weight", weight);
                merged.put(fc + ".bias", bias);
            }
            double[] expected = new double[x.length];
            for (int token = 0; token < 4; token++) {
                double[] up = affine(merged.get("fc1.weight"), merged.get("fc1.bias"), java.util.Arrays.copyOfRange(x, token * D, token * D + D), I);
                for (int i = 0; i < I; i++) {
                    up[i] = up[i] / (1 + Math.exp(-1.702 * up[i]));
                }
                System.arraycopy(affine(merged.get("fc2.weight"), merged.get("fc2.bias"), up, D), 0, expected, token * D, D);
            }
            float[] actual = forward(mixture, values, x);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "select_k " + selectK + ", element " + i);
            }
        }
    }

    private static float[] forward(RankOneMixture mixture, Map<String, double[]> values, double[] x) {
        ClipConfig.Tower tower = new ClipConfig.Tower(D, I, 1, 1, ClipConfig.Activation.QUICK_GELU, 1e-5f, 4, 2, 3, 0, 0, 0);
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1); Graph graph = Graph.inference(parallel)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            values.forEach((name, source) -> {
                Tensor tensor = Tensor.allocate(arena, DType.F32, amalgam.tensor.Shape.of(source.length));
                for (int i = 0; i < source.length; i++) {
                    tensor.setFloat(i, (float) source[i]);
                }
                tensors.put(name, tensor);
            });
            Map<String, Tensor> shaped = new LinkedHashMap<>();
            Map<String, amalgam.tensor.Shape> shapes = new LinkedHashMap<>(mixture.mixtureTensors());
            for (String fc : WeightEnsemblingMixture.FCS) {
                shapes.put(WeightEnsemblingTensorNames.base(0, fc, "weight"),
                        amalgam.tensor.Shape.of(mixture.outFeatures(fc), mixture.inFeatures(fc)));
                shapes.put(WeightEnsemblingTensorNames.base(0, fc, "bias"), amalgam.tensor.Shape.of(mixture.outFeatures(fc)));
            }
            shapes.forEach((name, shape) -> shaped.put(name, Tensor.of(DType.F32, shape, tensors.get(name).data())));
            Var input = graph.constant(floats(x), 2, 2, D);
            return new RankOneMlps(mixture, tower, null).apply(graph, TensorParameters.frozen(shaped), 0, input).value().toFloatArray();
        }
    }

    private static double[] affine(double[] w, double[] bias, double[] x, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = bias[o];
            for (int i = 0; i < x.length; i++) {
                sum += w[o * x.length + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    private static double[] random(Random random, int size) {
        double[] values = new double[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        return values;
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
