package amalgam.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class OptimTest {
    private static final Parallel PARALLEL = new Parallel(2);

    @AfterAll
    static void close() {
        PARALLEL.close();
    }

    @Test
    void adamWFirstTwoStepsByHand() {
        try (Arena arena = Arena.ofShared()) {
            Tensor p = Tensor.allocate(arena, DType.F32, Shape.of(2));
            p.setFloat(0, 1f);
            p.setFloat(1, -2f);
            Var parameter = Var.parameter(p, arena);
            try (Graph graph = Graph.training(PARALLEL);
                    AdamW adam = new AdamW(java.util.List.of(parameter), AdamW.Settings.defaults(0.1f), PARALLEL)) {
                // loss = sum(p * c) with c = (0.5, -3): g = c
                graph.backward(graph.sum(graph.multiply(parameter, graph.constant(new float[] {0.5f, -3f}, 2))));
                adam.step(0.01f);
                // step 1: m = 0.1 g, v = 0.001 g^2, m^ = g, sqrt(v^) = |g| -> p (1 - 0.001) - 0.01 g / (|g| + 1e-8)
                assertEquals(1f * 0.999f - 0.01f, p.getFloat(0), 1e-7);
                assertEquals(-2f * 0.999f + 0.01f, p.getFloat(1), 1e-7);
                // step 2 with the same gradient: m = 0.19 g, v = 0.001999 g^2, m^ = g, v^ = g^2 -> same update again
                adam.step(0.01f);
                assertEquals((1f * 0.999f - 0.01f) * 0.999f - 0.01f, p.getFloat(0), 1e-6);
                assertEquals((-2f * 0.999f + 0.01f) * 0.999f + 0.01f, p.getFloat(1), 1e-6);
            }
        }
    }

    @Test
    void cosineScheduleAndClipping() {
        CosineSchedule schedule = new CosineSchedule(1f, 10, 110, 0f);
        assertEquals(0f, schedule.learningRate(0));
        assertEquals(0.5f, schedule.learningRate(5), 1e-7);
        assertEquals(1f, schedule.learningRate(10), 1e-7);
        assertEquals(0.5f, schedule.learningRate(60), 1e-6);
        assertEquals(0f, schedule.learningRate(110), 1e-7);
        assertEquals(0f, schedule.learningRate(500), 1e-7);
        try (Arena arena = Arena.ofShared(); Graph graph = Graph.training(PARALLEL)) {
            Var a = Var.parameter(Tensor.allocate(arena, DType.F32, Shape.of(2)), arena);
            graph.backward(graph.sum(graph.multiply(a, graph.constant(new float[] {3f, 4f}, 2))));
            double norm = GradientClipping.clipGlobalNorm(java.util.List.of(a), 1.0);
            assertEquals(5.0, norm, 1e-6);
            assertEquals(0.6f, a.grad().getFloat(0), 1e-6);
            assertEquals(0.8f, a.grad().getFloat(1), 1e-6);
        }
    }

    /** A 2-layer MLP (GELU) on two Gaussian blobs: cross-entropy must fall well below its starting value. */
    @Test
    void tinyMlpLearns() {
        Random random = new Random(11);
        int n = 64;
        float[] x = new float[n * 4];
        long[] labels = new long[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (float) (random.nextGaussian() * 0.5 + (j == labels[i] ? 2 : 0));
            }
        }
        try (Arena arena = Arena.ofShared()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("fc1.weight", gaussian(arena, random, 0.5, 16, 4));
            tensors.put("fc1.bias", gaussian(arena, random, 0, 16));
            tensors.put("fc2.weight", gaussian(arena, random, 0.25, 3, 16));
            tensors.put("fc2.bias", gaussian(arena, random, 0, 3));
            try (TensorParameters params = new TensorParameters(tensors, name -> true);
                    Graph graph = Graph.training(PARALLEL);
                    AdamW adam = new AdamW(params.trainable(), AdamW.Settings.defaults(0.01f), PARALLEL)) {
                CosineSchedule schedule = new CosineSchedule(0.05f, 5, 100, 0f);
                float first = 0;
                float last = 0;
                for (int step = 0; step < 100; step++) {
                    graph.reset();
                    adam.zeroGrad();
                    Var h = graph.gelu(graph.linear(graph.constant(x, n, 4), params.get(graph, "fc1.weight"),
                            params.get(graph, "fc1.bias")));
                    Var logits = graph.linear(h, params.get(graph, "fc2.weight"), params.get(graph, "fc2.bias"));
                    Var loss = graph.crossEntropy(logits, labels);
                    graph.backward(loss);
                    GradientClipping.clipGlobalNorm(params.trainable(), 1.0);
                    adam.step(schedule.learningRate(step));
                    if (step == 0) {
                        first = loss.item();
                    }
                    last = loss.item();
                }
                assertTrue(last < 0.2 * first, "loss went from " + first + " to " + last);
            }
        }
    }

    private static Tensor gaussian(Arena arena, Random random, double sigma, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.F32, Shape.of(dims));
        for (long i = 0; i < t.elementCount(); i++) {
            t.setFloat(i, (float) (random.nextGaussian() * sigma));
        }
        return t;
    }
}
