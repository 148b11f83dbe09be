package amalgam.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gradient of a loss with respect to task-arithmetic coefficients, for a tiny linear model
 * y = x W(lambda)^T + b(lambda), checked against central differences of the same model recomputed in double.
 * Tolerance 2e-4 relative, as in {@link GradientCheck}.
 */
class ParametersTest {
    private static Tensor random(Arena arena, Random random, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.F32, Shape.of(dims));
        for (long i = 0; i < t.elementCount(); i++) {
            t.setFloat(i, (float) random.nextGaussian());
        }
        return t;
    }

    @Test
    void gradientReachesLayerWiseLambdas() {
        Random random = new Random(3);
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> base = Map.of("w", random(arena, random, 3, 4), "b", random(arena, random, 3));
            List<Map<String, Tensor>> taus = List.of(
                    Map.of("w", random(arena, random, 3, 4), "b", random(arena, random, 3)),
                    Map.of("w", random(arena, random, 3, 4))); // task 1 has no bias vector
            float[] x = new float[5 * 4];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            try (TaskArithmeticParameters params = new TaskArithmeticParameters(base, taus, 2,
                    name -> name.equals("w") ? 0 : 1, 0.3f)) {
                Var lambdas = params.lambdas();
                lambdas.value().setFloat(1, -0.2f);
                try (Graph graph = Graph.training(GradientCheck.PARALLEL)) {
                    Var w = params.get(graph, "w");
                    assertSame(w, params.get(graph, "w"));
                    Var y = graph.linear(graph.constant(x, 5, 4), w, params.get(graph, "b"));
                    Var loss = graph.entropy(y);
                    graph.backward(loss);
                    double[] lambda = new double[4];
                    for (int i = 0; i < 4; i++) {
                        lambda[i] = lambdas.value().getFloat(i);
                    }
                    assertEquals(reference(base, taus, x, lambda), loss.item(), 1e-5);
                    for (int i = 0; i < 4; i++) {
                        double saved = lambda[i];
                        lambda[i] = saved + 1e-6;
                        double plus = reference(base, taus, x, lambda);
                        lambda[i] = saved - 1e-6;
                        double minus = reference(base, taus, x, lambda);
                        lambda[i] = saved;
                        double numeric = (plus - minus) / 2e-6;
                        double analytic = lambdas.grad().getFloat(i);
                        // lambda[1][1] multiplies task 1's bias vector, which does not exist: gradient 0
                        assertEquals(numeric, analytic, 2e-4 * Math.max(1, Math.abs(numeric)), "lambda " + i);
                    }
                }
            }
        }
    }

    /** Mean softmax entropy of x W^T + b with W = W0 + l00 tw0 + l01 tw1, b = b0 + l10 tb0, in double. */
    private static double reference(Map<String, Tensor> base, List<Map<String, Tensor>> taus, float[] x, double[] l) {
        double[] w = new double[12];
        double[] b = new double[3];
        for (int i = 0; i < 12; i++) {
            w[i] = base.get("w").getFloat(i) + l[0] * taus.get(0).get("w").getFloat(i) + l[1] * taus.get(1).get("w").getFloat(i);
        }
        for (int i = 0; i < 3; i++) {
            b[i] = base.get("b").getFloat(i) + l[2] * taus.get(0).get("b").getFloat(i);
        }
        double[] logits = new double[15];
        for (int r = 0; r < 5; r++) {
            for (int o = 0; o < 3; o++) {
                double s = b[o];
                for (int i = 0; i < 4; i++) {
                    s += x[r * 4 + i] * w[o * 4 + i];
                }
                logits[r * 3 + o] = s;
            }
        }
        double[] p = References.softmaxRows(logits, 3, false);
        double h = 0;
        for (double pc : p) {
            h -= pc * Math.log(pc + 1e-8);
        }
        return h / 5;
    }
}
