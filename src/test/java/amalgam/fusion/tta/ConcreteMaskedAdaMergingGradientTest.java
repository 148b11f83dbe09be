package amalgam.fusion.tta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.nn.Graph;
import amalgam.nn.Var;
import amalgam.parallel.Parallel;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Concrete AdaMerging's two gradients (theta = theta0 + m~ (.) sum_i lambda_i tau_i, layer-wise lambda): in
 * COEFFICIENTS mode only lambda receives a gradient and it matches central finite differences of the entropy with the
 * mask sample fixed; in MASK mode only the mask logits receive one, matching finite differences with lambda fixed.
 * Checked along random +-1 directions over all leaves of the mode; tolerance as in {@link ConcreteMaskGradientTest}
 * (float32 central differences with h = 1e-2 carry ~1e-4 of round-off).
 */
class ConcreteMaskedAdaMergingGradientTest {
    private static final float STEP = 1e-2f;

    @Test
    void eachModeDifferentiatesItsOwnLeavesExactly() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofShared(); Parallel single = new Parallel(1)) {
            Map<String, Tensor> base = TinyClip.base(arena, random);
            List<Map<String, Tensor>> taus = TinyClip.taskVectors(arena, random, 2);
            EntropyObjective objective = new EntropyObjective(TinyClip.MODEL, TinyClip.projection(arena, random),
                    List.of(TinyClip.head(arena, random, 3), TinyClip.head(arena, random, 3)));
            List<Tensor> pixels = List.of(TinyClip.pixels(arena, random, 3), TinyClip.pixels(arena, random, 2));
            ConcreteMask.Noise noise = new ConcreteMask.Noise(base);
            noise.resample(new SplittableRandom(8));
            List<String> names = List.copyOf(base.keySet());
            Map<String, Integer> layer = new HashMap<>();
            names.forEach(name -> layer.put(name, layer.size()));
            ConcreteMaskedAdaMerging.ModeSwitch mode = new ConcreteMaskedAdaMerging.ModeSwitch();
            try (ConcreteMaskedAdaMerging theta = new ConcreteMaskedAdaMerging(base, taus, names.size(), layer::get, 0.3f, false,
                    noise, 0.5f, 0f, mode); Graph graph = Graph.training(single); Graph forward = Graph.inference(single)) {
                for (Var leaf : theta.trainable()) {
                    for (long i = 0; i < leaf.value().elementCount(); i++) {
                        leaf.value().setFloat(i, leaf == theta.lambdas() ? (float) (0.3 + 0.3 * random.nextGaussian())
                                : (float) random.nextGaussian());
                    }
                }
                for (ConcreteMaskedAdaMerging.Mode pass : ConcreteMaskedAdaMerging.Mode.values()) {
                    mode.set(pass);
                    List<Var> differentiated = pass == ConcreteMaskedAdaMerging.Mode.COEFFICIENTS ? List.of(theta.lambdas())
                            : theta.mask().logits();
                    List<Var> others = pass == ConcreteMaskedAdaMerging.Mode.COEFFICIENTS ? theta.mask().logits()
                            : List.of(theta.lambdas());
                    theta.trainable().forEach(Var::zeroGrad);
                    graph.reset();
                    graph.backward(objective.loss(graph, theta, pixels));
                    for (Var other : others) {
                        assertTrue(other.grad() == null || isZero(other.grad()), pass + " leaves the other leaves alone");
                    }
                    double analytic = 0;
                    float[][] start = new float[differentiated.size()][];
                    float[][] direction = new float[differentiated.size()][];
                    for (int t = 0; t < differentiated.size(); t++) {
                        start[t] = differentiated.get(t).value().toFloatArray();
                        direction[t] = new float[start[t].length];
                        float[] g = differentiated.get(t).grad().toFloatArray();
                        for (int i = 0; i < start[t].length; i++) {
                            direction[t][i] = random.nextBoolean() ? 1 : -1;
                            analytic += g[i] * direction[t][i];
                        }
                    }
                    double plus = loss(objective, theta, pixels, forward, differentiated, start, direction, STEP);
                    double minus = loss(objective, theta, pixels, forward, differentiated, start, direction, -STEP);
                    loss(objective, theta, pixels, forward, differentiated, start, direction, 0);
                    double numeric = (plus - minus) / (2 * STEP);
                    assertTrue(Math.abs(analytic) > 0.05, pass + ": derivative too small to check anything: " + analytic);
                    assertEquals(numeric, analytic, 1e-3 + 1e-2 * Math.abs(numeric), pass.toString());
                }
            } finally {
                noise.free();
            }
        }
    }

    private static boolean isZero(Tensor grad) {
        for (float value : grad.toFloatArray()) {
            if (value != 0) {
                return false;
            }
        }
        return true;
    }

    private static double loss(EntropyObjective objective, ConcreteMaskedAdaMerging theta, List<Tensor> pixels, Graph graph,
                               List<Var> leaves, float[][] start, float[][] direction, float step) {
        for (int t = 0; t < leaves.size(); t++) {
            for (int i = 0; i < start[t].length; i++) {
                leaves.get(t).value().setFloat(i, start[t][i] + step * direction[t][i]);
            }
        }
        graph.reset();
        return objective.loss(graph, theta, pixels).item();
    }
}
