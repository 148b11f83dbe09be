package amalgam.fusion.tta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.Var;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Concrete TA's gradient with respect to the mask logits (sigmoid of the noisy logits, each tensor divided by its
 * mean, times the summed task vectors, through the tower and the entropy) against central finite differences of the
 * loss with the step's noise held fixed. One logit moves the loss too little to check alone, so the check is along
 * directions: d L(l + h d) / dh = sum g . d for a random +-1 direction d over one tensor at a time and over all of
 * them. Tolerance as in {@link EntropyGradientTest}: float32 round-off gives ~1e-4 in the central difference with
 * h = 1e-2; 1e-3 + 1% of the derivative's size leaves margin, and the derivatives checked are of order 0.1.
 */
class ConcreteMaskGradientTest {
    private static final float STEP = 1e-2f;

    @Test
    void directionalDerivativesMatchFiniteDifferences() {
        Random random = new Random(21);
        try (Arena arena = Arena.ofShared(); Parallel single = new Parallel(1)) {
            Map<String, Tensor> base = TinyClip.base(arena, random);
            List<Map<String, Tensor>> taus = TinyClip.taskVectors(arena, random, 2);
            Map<String, Tensor> sum = ConcreteMaskedTaskArithmetic.taskSum(base, taus, arena);
            EntropyObjective objective = new EntropyObjective(TinyClip.MODEL, TinyClip.projection(arena, random),
                    List.of(TinyClip.head(arena, random, 3), TinyClip.head(arena, random, 3)));
            List<Tensor> pixels = List.of(TinyClip.pixels(arena, random, 3), TinyClip.pixels(arena, random, 2));
            ConcreteMask.Noise noise = new ConcreteMask.Noise(base);
            noise.resample(new SplittableRandom(4));
            try (ConcreteMaskedTaskArithmetic theta = new ConcreteMaskedTaskArithmetic(base, sum, noise, 1.0f, 0.5f, 0f);
                 Graph graph = Graph.training(single); Graph forward = Graph.inference(single)) {
                List<Var> logits = theta.trainable();
                for (Var logit : logits) {
                    for (long i = 0; i < logit.value().elementCount(); i++) {
                        logit.value().setFloat(i, (float) random.nextGaussian());
                    }
                }
                graph.backward(objective.loss(graph, theta, pixels));
                float[][] start = new float[logits.size()][];
                float[][] direction = new float[logits.size()][];
                for (int t = 0; t < logits.size(); t++) {
                    start[t] = logits.get(t).value().toFloatArray();
                    direction[t] = new float[start[t].length];
                    for (int i = 0; i < start[t].length; i++) {
                        direction[t][i] = random.nextBoolean() ? 1 : -1;
                    }
                }
                double largest = 0;
                for (int only = -1; only < logits.size(); only++) { // -1: every tensor at once
                    double analytic = 0;
                    for (int t = 0; t < logits.size(); t++) {
                        if (only < 0 || only == t) {
                            float[] g = logits.get(t).grad().toFloatArray();
                            for (int i = 0; i < g.length; i++) {
                                analytic += g[i] * direction[t][i];
                            }
                        }
                    }
                    double plus = loss(objective, theta, pixels, forward, start, direction, only, STEP);
                    double minus = loss(objective, theta, pixels, forward, start, direction, only, -STEP);
                    double numeric = (plus - minus) / (2 * STEP);
                    largest = Math.max(largest, Math.abs(analytic));
                    assertEquals(numeric, analytic, 1e-3 + 1e-2 * Math.abs(numeric),
                            "directional derivative along " + (only < 0 ? "every tensor" : theta.names().get(only)));
                }
                assertTrue(largest > 0.05, "derivatives too small to check anything: " + largest);
            } finally {
                noise.free();
            }
        }
    }

    private static double loss(EntropyObjective objective, ConcreteMaskedTaskArithmetic theta, List<Tensor> pixels, Graph graph,
                               float[][] start, float[][] direction, int only, float step) {
        List<Var> logits = theta.trainable();
        for (int t = 0; t < logits.size(); t++) {
            for (int i = 0; i < start[t].length; i++) {
                logits.get(t).value().setFloat(i, start[t][i] + (only < 0 || only == t ? step * direction[t][i] : 0));
            }
        }
        graph.reset();
        return objective.loss(graph, theta, pixels).item();
    }
}
