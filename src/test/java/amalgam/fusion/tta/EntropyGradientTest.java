package amalgam.fusion.tta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TaskArithmeticParameters;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AdaMerging's gradient: d L / d lambda from the backward pass through the CLIP vision tower, the projection, the
 * zero-shot heads and the summed entropy, against central finite differences of the loss itself, task-wise and
 * layer-wise (one coefficient per tower tensor, 2 tasks, a tiny tower on random images).
 *
 * <p>Tolerance: the loss (about 2, two tasks' mean entropies over 3 classes) is computed in float32 through ~100
 * roundings, so two evaluations differ from the exact value by at most ~1e-6 each; with step h = 1e-2 the central
 * difference carries at most ~2e-6 / 2h = 1e-4 of round-off, and its truncation error h^2 |L'''| / 6 is ~2e-5 for
 * third derivatives of order 1. The check allows 1e-3 + 1% of the largest component, well above both, while the
 * gradients checked are of order 0.1 (asserted), so a wrong sign, a missing term or a misrouted coefficient
 * (errors of the gradient's own size) fails.
 */
class EntropyGradientTest {
    private static final float STEP = 1e-2f;

    @Test
    void layerWiseGradientMatchesFiniteDifferences() {
        check(true, false);
    }

    @Test
    void taskWiseGradientMatchesFiniteDifferences() {
        check(false, false);
    }

    @Test
    void clampedGradientMatchesFiniteDifferencesAwayFromTheBounds() {
        check(true, true);
    }

    private static void check(boolean layerWise, boolean clamp) {
        Random random = new Random(layerWise ? 11 : 12);
        List<String> names = TinyClip.names();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), layerWise ? i : 0);
        }
        try (Arena arena = Arena.ofShared(); Parallel single = new Parallel(1)) {
            Map<String, Tensor> base = TinyClip.base(arena, random);
            List<Map<String, Tensor>> taus = TinyClip.taskVectors(arena, random, 2);
            EntropyObjective objective = new EntropyObjective(TinyClip.MODEL, TinyClip.projection(arena, random),
                    List.of(TinyClip.head(arena, random, 3), TinyClip.head(arena, random, 3)));
            List<Tensor> pixels = List.of(TinyClip.pixels(arena, random, 3), TinyClip.pixels(arena, random, 2));
            int groups = layerWise ? names.size() : 1;
            try (TaskArithmeticParameters theta = new TaskArithmeticParameters(base, taus, groups, index::get, 0.3f, clamp);
                 Graph graph = Graph.training(single); Graph forward = Graph.inference(single)) {
                float[] lambdas = new float[groups * 2];
                for (int i = 0; i < lambdas.length; i++) {
                    // away from 0 and 1 by more than the step when clamped (the clamp's kinks are not differentiable)
                    lambdas[i] = clamp && i % 3 == 0 ? 1.3f + 0.1f * random.nextFloat() : 0.2f + 0.6f * random.nextFloat();
                }
                theta.setLambdas(lambdas);
                Var loss = objective.loss(graph, theta, pixels);
                graph.backward(loss);
                float[] gradient = theta.lambdas().grad().toFloatArray();
                double largest = 0;
                for (float g : gradient) {
                    largest = Math.max(largest, Math.abs(g));
                }
                assertTrue(largest > 0.05, "the gradient is too small to check anything: " + largest);
                double tolerance = 1e-3 + 1e-2 * largest;
                for (int i = 0; i < lambdas.length; i++) {
                    float[] shifted = lambdas.clone();
                    shifted[i] = lambdas[i] + STEP;
                    double plus = loss(objective, theta, shifted, pixels, forward);
                    shifted[i] = lambdas[i] - STEP;
                    double minus = loss(objective, theta, shifted, pixels, forward);
                    double expected = (plus - minus) / (2 * STEP);
                    if (clamp && lambdas[i] > 1) {
                        expected = 0; // clamped at 1: the loss does not move, and no gradient may pass
                        assertEquals(0, gradient[i], "clamped coefficient " + i);
                    }
                    assertEquals(expected, gradient[i], tolerance, "d L / d lambda[" + i + "] ("
                            + (layerWise ? names.get(i / 2) + ", task " + i % 2 : "task " + i) + ")");
                }
            }
        }
    }

    private static double loss(EntropyObjective objective, TaskArithmeticParameters theta, float[] lambdas, List<Tensor> pixels,
                               Graph graph) {
        theta.setLambdas(lambdas);
        graph.reset();
        return objective.loss(graph, theta, pixels).item();
    }
}
