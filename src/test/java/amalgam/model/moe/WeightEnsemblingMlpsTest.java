package amalgam.model.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.model.clip.ClipConfig;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The weight-ensembling MLP block against a double-precision reference written from the defining formulas (router,
 * token mean, batch mean or per image, θ0 + Σ rᵢτᵢ, fc2(quick_gelu(fc1 x))) on a tiny block (D 3, I 4, T 2, 2 images of
 * 3 tokens): forward values, the two routing rules, a one-expert mixture with its router at 1, and the routers'
 * gradients against central differences of the reference.
 *
 * <p>Tolerances: the float32 forward differs from the double reference by a few ulps per accumulation over sums of at
 * most 4 terms through two layers, ~1e-6 relative: 1e-5 leaves margin. Central differences of the double reference
 * with h = 1e-5 err by ~1e-10; the float32 backward carries ~1e-6 relative round-off: 1e-4 relative to the largest
 * component (at least 1e-2) leaves margin, while a wrong formula (a missed mean, a wrong index) errs by O(1).
 */
class WeightEnsemblingMlpsTest {
    private static final int D = 3;
    private static final int I = 4;
    private static final int T = 2;
    private static final int B = 2;
    private static final int N = 3;
    private static final ClipConfig.Tower TOWER = new ClipConfig.Tower(D, I, 1, 1, ClipConfig.Activation.QUICK_GELU, 1e-5f, 4, 2, 3,
            0, 0, 0);

    @Test
    void bothRoutingRulesMatchTheHandComputedMergedMlps() {
        Map<String, double[]> values = randomBlock(new Random(1), 2);
        double[] x = random(new Random(2), B * N * D);
        double[] batch = reference(values, x, 2, true);
        double[] perImage = reference(values, x, 2, false);
        assertClose(batch, forward(values, x, 2, true, null), 1e-5, "batch rule");
        assertClose(perImage, forward(values, x, 2, false, null), 1e-5, "per-image rule");
        // the images route differently, so the batch average changes each image's output
        double difference = 0;
        for (int i = 0; i < batch.length; i++) {
            difference = Math.max(difference, Math.abs(batch[i] - perImage[i]));
        }
        assertTrue(difference > 1e-3, "the two rules should differ here, max difference " + difference);
        // one image alone: the rules agree
        double[] first = java.util.Arrays.copyOf(x, N * D);
        assertClose(referenceImages(values, first, 1, 2, false), forward(values, first, 1, 2, true, null), 1e-5, "one image");
    }

    @Test
    void aOneExpertMixtureWhoseRouterOutputsOneIsThatExpert() {
        Random random = new Random(3);
        Map<String, double[]> values = new LinkedHashMap<>();
        baseAndTaskVectors(values, random, 1);
        values.put(WeightEnsemblingTensorNames.gate(0) + ".weight", new double[] {1.0}); // a depth-0 router fixed at 1
        double[] x = random(new Random(4), B * N * D);
        // the expert: fc2(act(fc1 x)) with θ0 + τ
        Map<String, double[]> expert = new LinkedHashMap<>();
        for (String fc : WeightEnsemblingMixture.FCS) {
            for (String part : WeightEnsemblingMixture.PARTS) {
                double[] base = values.get(WeightEnsemblingTensorNames.base(0, fc, part));
                double[] tau = values.get(WeightEnsemblingTensorNames.taskVector(0, 0, fc, part));
                double[] sum = new double[base.length];
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = (float) ((float) base[i] + (float) tau[i]);
                }
                expert.put(fc + "." + part, sum);
            }
        }
        double[] expected = new double[B * N * D];
        for (int t = 0; t < B * N; t++) {
            double[] out = mlp(expert, java.util.Arrays.copyOfRange(x, t * D, (t + 1) * D));
            System.arraycopy(out, 0, expected, t * D, D);
        }
        assertClose(expected, forwardExperts(values, x, B, 0, 1, true, null), 1e-5, "one expert");
    }

    @Test
    void theRoutersGradientsMatchFiniteDifferences() {
        for (int depth = 1; depth <= 2; depth++) {
            for (boolean batchReduce : List.of(true, false)) {
                Map<String, double[]> values = randomBlock(new Random(10 + depth), depth);
                double[] x = random(new Random(20 + depth), B * N * D);
                double[] weights = random(new Random(30 + depth), B * N * D);
                Map<String, float[]> gradients = new LinkedHashMap<>();
                forward(values, x, depth, batchReduce, new Loss(weights, gradients));
                for (Map.Entry<String, float[]> entry : gradients.entrySet()) {
                    double[] parameter = values.get(entry.getKey());
                    double[] numeric = new double[parameter.length];
                    double largest = 1e-2;
                    for (int i = 0; i < parameter.length; i++) {
                        double saved = parameter[i];
                        parameter[i] = saved + 1e-5;
                        double plus = dot(reference(values, x, depth, batchReduce), weights);
                        parameter[i] = saved - 1e-5;
                        double minus = dot(reference(values, x, depth, batchReduce), weights);
                        parameter[i] = saved;
                        numeric[i] = (plus - minus) / 2e-5;
                        largest = Math.max(largest, Math.abs(numeric[i]));
                    }
                    for (int i = 0; i < parameter.length; i++) {
                        assertEquals(numeric[i], entry.getValue()[i], 1e-4 * largest,
                                "depth " + depth + ", batch " + batchReduce + ": d/d " + entry.getKey() + "[" + i + "]");
                    }
                }
            }
        }
    }

    // ---- the float32 forward under test ----

    /** The scalar Σ weights ⊙ output, whose router gradients are collected. */
    private record Loss(double[] weights, Map<String, float[]> gradients) {
    }

    private static double[] forward(Map<String, double[]> values, double[] x, int depth, boolean batchReduce, Loss loss) {
        return forward(values, x, B, depth, batchReduce, loss);
    }

    private static double[] forward(Map<String, double[]> values, double[] x, int images, int depth, boolean batchReduce, Loss loss) {
        return forwardExperts(values, x, images, depth, T, batchReduce, loss);
    }

    private static double[] forwardExperts(Map<String, double[]> values, double[] x, int images, int depth, int experts,
                                           boolean batchReduce, Loss loss) {
        WeightEnsemblingMixture mixture = new WeightEnsemblingMixture(List.of("a", "b").subList(0, experts), 1, D, I, depth, 0.3,
                batchReduce, null);
        Shape shapes = null;
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1); Graph graph = Graph.training(parallel)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, Shape> expected = new LinkedHashMap<>(mixture.mixtureTensors());
            for (String fc : WeightEnsemblingMixture.FCS) {
                for (String part : WeightEnsemblingMixture.PARTS) {
                    expected.put(WeightEnsemblingTensorNames.base(0, fc, part), mixture.mlpShape(fc, part));
                }
            }
            expected.forEach((name, shape) -> {
                Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
                double[] source = values.get(name);
                for (int i = 0; i < source.length; i++) {
                    tensor.setFloat(i, (float) source[i]);
                }
                tensors.put(name, tensor);
            });
            try (TensorParameters params = new TensorParameters(tensors, name -> name.contains(".gate."))) {
                Var input = graph.constant(floats(x), images, N, D);
                Var out = new WeightEnsemblingMlps(mixture, TOWER, null).apply(graph, params, 0, input);
                if (loss != null) {
                    graph.backward(graph.sum(graph.multiply(out, graph.constant(floats(loss.weights()), images, N, D))));
                    params.names().stream().filter(name -> name.contains(".gate.")).forEach(name ->
                            loss.gradients().put(name, params.get(graph, name).grad().toFloatArray()));
                }
                float[] result = out.value().toFloatArray();
                double[] doubles = new double[result.length];
                for (int i = 0; i < result.length; i++) {
                    doubles[i] = result[i];
                }
                return doubles;
            }
        }
    }

    // ---- the double reference ----

    private static double[] reference(Map<String, double[]> values, double[] x, int depth, boolean batchReduce) {
        return referenceImages(values, x, B, depth, batchReduce);
    }

    private static double[] referenceImages(Map<String, double[]> values, double[] x, int images, int depth, boolean batchReduce) {
        double[][] routes = new double[images][T];
        for (int b = 0; b < images; b++) {
            for (int n = 0; n < N; n++) {
                double[] r = router(values, java.util.Arrays.copyOfRange(x, (b * N + n) * D, (b * N + n + 1) * D), depth);
                for (int e = 0; e < T; e++) {
                    routes[b][e] += r[e] / N;
                }
            }
        }
        if (batchReduce) {
            double[] mean = new double[T];
            for (double[] route : routes) {
                for (int e = 0; e < T; e++) {
                    mean[e] += route[e] / images;
                }
            }
            for (int b = 0; b < images; b++) {
                routes[b] = mean;
            }
        }
        double[] out = new double[images * N * D];
        for (int b = 0; b < images; b++) {
            Map<String, double[]> merged = new LinkedHashMap<>();
            for (String fc : WeightEnsemblingMixture.FCS) {
                for (String part : WeightEnsemblingMixture.PARTS) {
                    double[] theta = values.get(WeightEnsemblingTensorNames.base(0, fc, part)).clone();
                    for (int e = 0; e < T; e++) {
                        double[] tau = values.get(WeightEnsemblingTensorNames.taskVector(0, e, fc, part));
                        for (int i = 0; i < theta.length; i++) {
                            theta[i] += routes[b][e] * tau[i];
                        }
                    }
                    merged.put(fc + "." + part, theta);
                }
            }
            for (int n = 0; n < N; n++) {
                int token = b * N + n;
                System.arraycopy(mlp(merged, java.util.Arrays.copyOfRange(x, token * D, (token + 1) * D)), 0, out, token * D, D);
            }
        }
        return out;
    }

    private static double[] router(Map<String, double[]> values, double[] x, int depth) {
        String g = WeightEnsemblingTensorNames.gate(0);
        if (depth == 1) {
            return affine(values.get(g + ".fc.weight"), values.get(g + ".fc.bias"), x, T);
        }
        double[] hidden = affine(values.get(g + ".fc1.weight"), values.get(g + ".fc1.bias"), x, D);
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = Math.max(0, hidden[i]);
        }
        return affine(values.get(g + ".fc2.weight"), values.get(g + ".fc2.bias"), hidden, T);
    }

    private static double[] mlp(Map<String, double[]> theta, double[] x) {
        double[] up = affine(theta.get("fc1.weight"), theta.get("fc1.bias"), x, I);
        for (int i = 0; i < up.length; i++) {
            up[i] = up[i] / (1 + Math.exp(-1.702 * up[i])); // quick GELU
        }
        return affine(theta.get("fc2.weight"), theta.get("fc2.bias"), up, D);
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

    // ---- fixtures ----

    /** θ0, two task vectors and a router of the given depth (output bias 0.3, as initialised), all float32-exact. */
    private static Map<String, double[]> randomBlock(Random random, int depth) {
        Map<String, double[]> values = new LinkedHashMap<>();
        baseAndTaskVectors(values, random, T);
        WeightEnsemblingRouter router = new WeightEnsemblingRouter(depth, D, D, T);
        router.tensors(WeightEnsemblingTensorNames.gate(0)).forEach((name, shape) ->
                values.put(name, random(random, (int) shape.elementCount())));
        return values;
    }

    private static void baseAndTaskVectors(Map<String, double[]> values, Random random, int experts) {
        for (String fc : WeightEnsemblingMixture.FCS) {
            for (String part : WeightEnsemblingMixture.PARTS) {
                int size = (fc.equals("fc1") ? I : D) * (part.equals("weight") ? (fc.equals("fc1") ? D : I) : 1);
                values.put(WeightEnsemblingTensorNames.base(0, fc, part), random(random, size));
                for (int e = 0; e < experts; e++) {
                    double[] tau = random(random, size);
                    for (int i = 0; i < size; i++) {
                        tau[i] = (float) (tau[i] * 0.5);
                    }
                    values.put(WeightEnsemblingTensorNames.taskVector(0, e, fc, part), tau);
                }
            }
        }
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

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": size");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1, Math.abs(expected[i])), what + ": element " + i);
        }
    }
}
