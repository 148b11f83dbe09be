package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.model.moe.SmileLinears;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileTensorNames;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.parallel.Parallel;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * SMILE's construction (gate and experts from SVDs, {@link SmileExperts}) and its MoE forward ({@link SmileLinears}) on
 * small linears: a 2×2 case derived by hand, and full-rank experts that reproduce each fine-tuned linear on inputs
 * routed to it. Tolerances: values here are O(1) and come from a float32 SVD (gesdd) and float32 products, whose
 * reconstruction U S Vᵀ of an O(1) matrix is exact to a few ulps (1e-6 relative); 1e-5 absolute leaves room.
 */
class SmileExpertsTest {
    private static final String L = "vision_model.encoder.layers.0.mlp.fc1";

    @Test
    void aTwoByTwoCaseByHand() {
        // W0 = [[1, 2], [3, 4]], b0 = (0.5, -0.5); the task model: ΔW = diag(-3, 1), b1 = (1, 1)
        // SVD of ΔW: s = (3, 1), v1 = ±e1 with u1 = ∓e1; the sign rule makes v1 = +e1, so u1 = -e1, svh1 = (3, 0)
        try (Arena arena = Arena.ofConfined()) {
            SmileMixture.Linear rankOne = new SmileMixture.Linear(L, 2, 2, 1, 1, true);
            Map<String, Tensor> tensors = SmileExperts.build(rankOne, true, List.of(Tensor.ofFloats(new float[] {-3, 0, 0, 1}, 2, 2)),
                    null, List.of(Tensor.ofFloats(new float[] {0.5f, 1.5f}, 2)), arena);
            assertArrayEquals(new float[] {1, 0}, tensors.get(SmileTensorNames.gate(L)).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {-1, 0}, tensors.get(SmileTensorNames.expertU(L, 0)).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {3, 0}, tensors.get(SmileTensorNames.expertSvh(L, 0)).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.5f, 1.5f}, tensors.get(SmileTensorNames.expertBias(L, 0)).toFloatArray());
            // one expert: y = W0 x + b0 + u (svh x) + Δb; x = (1, 1): (3, 7) + (0.5, -0.5) + (-3, 0) + (0.5, 1.5) = (1, 8)
            float[] w0 = {1, 2, 3, 4};
            float[] b0 = {0.5f, -0.5f};
            assertArrayEquals(new float[] {1, 8}, forward(rankOne, 1, tensors, w0, b0, new float[] {1, 1}), 1e-5f);
            // full rank gives the task model itself: W1 x + b1 = [[-2, 2], [3, 5]] (1, 1) + (1, 1) = (1, 9)
            SmileMixture.Linear fullRank = new SmileMixture.Linear(L, 2, 2, 1, 2, true);
            Map<String, Tensor> full = SmileExperts.build(fullRank, true, List.of(Tensor.ofFloats(new float[] {-3, 0, 0, 1}, 2, 2)),
                    null, List.of(Tensor.ofFloats(new float[] {0.5f, 1.5f}, 2)), arena);
            assertArrayEquals(new float[] {1, 9}, forward(fullRank, 1, full, w0, b0, new float[] {1, 1}), 1e-5f);
        }
    }

    @Test
    void fullRankExpertsReproduceEachTaskLinearOnTheTokensRoutedToIt() {
        // in = 4, out = 3; task 0 changes the linear on inputs in span(e1, e2) only, task 1 on span(e3, e4) only, so a
        // token in span(e1, e2) has gate norm 0 for expert 1 and goes to expert 0 (top_k = 1), and the other way round
        Random random = new Random(7);
        int out = 3;
        int in = 4;
        float[] w0 = randoms(random, out * in);
        float[] b0 = randoms(random, out);
        float[][] deltas = {randoms(random, out * in), randoms(random, out * in)};
        for (int r = 0; r < out; r++) {
            deltas[0][r * in + 2] = deltas[0][r * in + 3] = 0;
            deltas[1][r * in] = deltas[1][r * in + 1] = 0;
        }
        float[][] biasDeltas = {randoms(random, out), randoms(random, out)};
        float[] tokens = {0.7f, -1.2f, 0, 0, 0, 0, 0.4f, 0.9f, -0.3f, 0.5f, 0, 0};
        int[] expertOf = {0, 1, 0};
        try (Arena arena = Arena.ofConfined()) {
            SmileMixture.Linear linear = new SmileMixture.Linear(L, in, out, 1, 3, true);
            Map<String, Tensor> tensors = build(linear, deltas, biasDeltas, arena);
            float[] y = forward(linear, 1, tensors, w0, b0, tokens);
            for (int t = 0; t < 3; t++) {
                int e = expertOf[t];
                for (int r = 0; r < out; r++) {
                    double expected = b0[r] + biasDeltas[e][r];
                    for (int c = 0; c < in; c++) {
                        expected += (w0[r * in + c] + deltas[e][r * in + c]) * tokens[t * in + c];
                    }
                    assertEquals(expected, y[t * out + r], 1e-5, "token " + t + " row " + r);
                }
            }
            // top_k = T: every token mixes both experts with softmax(‖G0 x‖, ‖G1 x‖); here one norm is 0
            float[] mixed = forward(linear, 2, tensors, w0, b0, tokens);
            float[] gate = tensors.get(SmileTensorNames.gate(L)).toFloatArray();
            for (int t = 0; t < 3; t++) {
                double[] norms = new double[2];
                for (int e = 0; e < 2; e++) {
                    double dot = 0;
                    for (int c = 0; c < in; c++) {
                        dot += gate[e * in + c] * tokens[t * in + c];
                    }
                    norms[e] = Math.abs(dot);
                }
                double p0 = 1 / (1 + Math.exp(norms[1] - norms[0]));
                for (int r = 0; r < out; r++) {
                    double expected = b0[r] + p0 * biasDeltas[0][r] + (1 - p0) * biasDeltas[1][r];
                    for (int c = 0; c < in; c++) {
                        expected += (w0[r * in + c] + p0 * deltas[0][r * in + c] + (1 - p0) * deltas[1][r * in + c])
                                * tokens[t * in + c];
                    }
                    assertEquals(expected, mixed[t * out + r], 1e-5, "token " + t + " row " + r);
                }
            }
        }
    }

    @Test
    void denseExpertsAreTheTaskVectorsAndGatesFromTheWeightsAreUnitRows() {
        Random random = new Random(3);
        float[][] deltas = {randoms(random, 12), randoms(random, 12)};
        try (Arena arena = Arena.ofConfined()) {
            SmileMixture.Linear dense = new SmileMixture.Linear(L, 4, 3, 2, -1, false);
            List<Tensor> weights = List.of(Tensor.ofFloats(randoms(random, 12), 3, 4), Tensor.ofFloats(randoms(random, 12), 3, 4));
            Map<String, Tensor> tensors = SmileExperts.build(dense, false, List.of(Tensor.ofFloats(deltas[0], 3, 4),
                    Tensor.ofFloats(deltas[1], 3, 4)), weights, null, arena);
            assertArrayEquals(deltas[1], tensors.get(SmileTensorNames.expertWeight(L, 1)).toFloatArray());
            assertEquals(List.of(SmileTensorNames.gate(L), SmileTensorNames.expertWeight(L, 0), SmileTensorNames.expertWeight(L, 1)),
                    List.copyOf(tensors.keySet()));
            float[] gate = tensors.get(SmileTensorNames.gate(L)).toFloatArray(); // [2·2, 4]: right singular vectors of Wᵢ
            for (int row = 0; row < 4; row++) {
                double norm = 0;
                for (int c = 0; c < 4; c++) {
                    norm += gate[row * 4 + c] * gate[row * 4 + c];
                }
                assertEquals(1, norm, 1e-5);
            }
        }
    }

    @Test
    void untrainedMeansAllCloseToZero() {
        assertTrue(SmileExperts.untrained(Tensor.ofFloats(new float[] {0, 1e-9f, -1e-8f}, 3)));
        assertFalse(SmileExperts.untrained(Tensor.ofFloats(new float[] {0, 2e-8f}, 2)));
        assertFalse(SmileExperts.untrained(Tensor.ofFloats(new float[] {Float.NaN}, 1)));
    }

    private static Map<String, Tensor> build(SmileMixture.Linear linear, float[][] deltas, float[][] biasDeltas, Arena arena) {
        List<Tensor> weightDeltas = new ArrayList<>();
        List<Tensor> biases = new ArrayList<>();
        for (int i = 0; i < deltas.length; i++) {
            weightDeltas.add(Tensor.ofFloats(deltas[i], linear.outFeatures(), linear.inFeatures()));
            biases.add(Tensor.ofFloats(biasDeltas[i], linear.outFeatures()));
        }
        return SmileExperts.build(linear, true, weightDeltas, null, biases, arena);
    }

    /** The MoE linear with {@code experts} experts, top_k {@code topK}, on tokens [N, in] -> [N, out]. */
    private static float[] forward(SmileMixture.Linear linear, int topK, Map<String, Tensor> tensors, float[] w0, float[] b0, float[] x) {
        int experts = (int) (tensors.get(SmileTensorNames.gate(L)).shape().dim(0) / linear.gateK());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < experts; i++) {
            names.add("task" + i);
        }
        SmileMixture mixture = new SmileMixture(names, new SmileMixture.Settings(linear.gateK(), linear.k(), topK, true, false),
                List.of(linear));
        SmileLinears linears = SmileLinears.of(mixture, tensors);
        TensorParameters params = TensorParameters.frozen(Map.of(SmileTensorNames.weight(L),
                Tensor.ofFloats(w0, linear.outFeatures(), linear.inFeatures()), SmileTensorNames.bias(L), Tensor.ofFloats(b0, linear.outFeatures())));
        try (Parallel parallel = new Parallel(1); Graph graph = Graph.inference(parallel)) {
            return linears.apply(graph, params, L, graph.constant(x, x.length / linear.inFeatures(), linear.inFeatures()))
                    .value().toFloatArray();
        }
    }

    private static float[] randoms(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
