package amalgam.fusion.closedform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Fisher-weighted average against its defining formula on hand-sized tensors (float32 sums: 1e-6 relative). */
class FisherRuleTest {
    @Test
    void equalFisherWeightsGiveTheSimpleAverage() {
        Map<String, Tensor> fisher = tensors(new float[] {0.3f, 2f, 0f}, new float[] {5f});
        List<Map<String, Tensor>> weights = List.of(tensors(new float[] {1, 2, 3}, new float[] {-1}),
                tensors(new float[] {3, 0, -3}, new float[] {2}), tensors(new float[] {2, 4, 6}, new float[] {5}));
        for (boolean normalize : new boolean[] {true, false}) {
            try (Arena arena = Arena.ofConfined()) {
                Map<String, Tensor> merged = FisherRule.merge(weights, List.of(fisher, fisher, fisher), normalize, 1e-6, arena);
                assertArrayEquals(new float[] {2, 2, 2}, merged.get("a").toFloatArray(), 1e-5f);
                assertArrayEquals(new float[] {2}, merged.get("b").toFloatArray(), 1e-5f);
            }
        }
    }

    /**
     * Two models, keys a [2] and b [1]. F₁ = {a: [3, 0], b: [4]} (norm 5), F₂ = {a: [1, 1], b: [0]} (norm √2), ε = 0.01:
     * c₁ ∝ 1/5.01, c₂ ∝ 1/(√2 + 0.01), and θ = Σ cᵢ (Fᵢ + ε) θᵢ / Σ cᵢ (Fᵢ + ε) element by element.
     */
    @Test
    void normalizedWeightsFollowTheHandComputation() {
        double epsilon = 0.01;
        double c1 = 1 / (5 + epsilon);
        double c2 = 1 / (Math.sqrt(2) + epsilon);
        double sum = c1 + c2; // FusionBench normalizes the cᵢ; the common factor cancels
        c1 /= sum;
        c2 /= sum;
        float[] theta1a = {1, 2};
        float[] theta2a = {5, -2};
        float theta1b = 10;
        float theta2b = 20;
        float[] expectedA = {
                (float) ((c1 * (3 + epsilon) * theta1a[0] + c2 * (1 + epsilon) * theta2a[0]) / (c1 * (3 + epsilon) + c2 * (1 + epsilon))),
                (float) ((c1 * epsilon * theta1a[1] + c2 * (1 + epsilon) * theta2a[1]) / (c1 * epsilon + c2 * (1 + epsilon)))};
        float expectedB = (float) ((c1 * (4 + epsilon) * theta1b + c2 * epsilon * theta2b) / (c1 * (4 + epsilon) + c2 * epsilon));
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> merged = FisherRule.merge(
                    List.of(tensors(theta1a, new float[] {theta1b}), tensors(theta2a, new float[] {theta2b})),
                    List.of(tensors(new float[] {3, 0}, new float[] {4}), tensors(new float[] {1, 1}, new float[] {0})), true, epsilon,
                    arena);
            assertArrayEquals(expectedA, merged.get("a").toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {expectedB}, merged.get("b").toFloatArray(), 1e-5f);
            // without normalization every cᵢ is 1
            Map<String, Tensor> plain = FisherRule.merge(
                    List.of(tensors(theta1a, new float[] {theta1b}), tensors(theta2a, new float[] {theta2b})),
                    List.of(tensors(new float[] {3, 0}, new float[] {4}), tensors(new float[] {1, 1}, new float[] {0})), false, epsilon,
                    arena);
            assertArrayEquals(new float[] {(float) (((3 + epsilon) * 1 + (1 + epsilon) * 5) / (4 + 2 * epsilon)),
                    (float) ((epsilon * 2 + (1 + epsilon) * -2) / (1 + 2 * epsilon))}, plain.get("a").toFloatArray(), 1e-5f);
        }
    }

    private static Map<String, Tensor> tensors(float[] a, float[] b) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.ofFloats(a, a.length));
        tensors.put("b", Tensor.ofFloats(b, b.length));
        return tensors;
    }
}
