package amalgam.nn;

import amalgam.parallel.Parallel;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A quick throughput measurement, not a unit test: a ViT-B/32-shaped CLIP vision tower (224 px images, 7 x 7 patches
 * + class token = 50 tokens, width 768, 12 heads, MLP 3072 with quick GELU, 12 pre-LN layers, random weights) run
 * forward (inference graph) and as a training step (forward + backward into all weights), in GFLOP/s of matrix
 * products, next to sgemm GFLOP/s measured in the same run on the tower's largest product and on 2048^3.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * target/classes:target/test-classes:<deps> amalgam.nn.VisionTowerBenchmark [batch] [threads]}.
 */
public final class VisionTowerBenchmark {
    static final int WIDTH = 768;
    static final int HEADS = 12;
    static final int MLP = 3072;
    static final int LAYERS = 12;
    static final int PATCH = 32;
    static final int IMAGE = 224;
    static final int TOKENS = (IMAGE / PATCH) * (IMAGE / PATCH) + 1;

    private VisionTowerBenchmark() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        var blas = LinearAlgebra.useThreads(threads); // for the whole benchmark process
        System.out.println("backend  " + LinearAlgebra.backend() + "; java " + Runtime.version() + ", "
                + Runtime.getRuntime().availableProcessors() + " cpus");
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(threads)) {
            double sgemmSquare = sgemm(arena, 2048, 2048, 2048);
            double sgemmTower = sgemm(arena, batch * TOKENS, MLP, WIDTH);
            System.out.printf("sgemm    2048^3: %.1f GFLOP/s; [%d x %d] x [%d x %d]^T: %.1f GFLOP/s%n", sgemmSquare,
                    batch * TOKENS, WIDTH, MLP, WIDTH, sgemmTower);
            Map<String, Tensor> weights = weights(arena);
            Tensor images = random(arena, new Random(7), 1.0, batch, 3, IMAGE, IMAGE);
            double flops = forwardFlops(batch);
            try (TensorParameters frozen = TensorParameters.frozen(weights); Graph graph = Graph.inference(parallel)) {
                double seconds = time(() -> {
                    graph.reset();
                    forward(graph, frozen, graph.constant(images));
                }, 2, 5);
                System.out.printf("forward  batch %d: %.3f s, %.1f GFLOP/s = %.2f of sgemm 2048^3, %.2f of sgemm at the "
                        + "tower's shape; workspace %d MB%n", batch, seconds, flops / seconds / 1e9,
                        flops / seconds / 1e9 / sgemmSquare, flops / seconds / 1e9 / sgemmTower,
                        graph.workspaceBytes() >> 20);
            }
            try (TensorParameters trainable = new TensorParameters(weights, name -> true);
                    Graph graph = Graph.training(parallel)) {
                long[] backwardNanos = new long[1];
                double seconds = time(() -> {
                    graph.reset();
                    trainable.trainable().forEach(Var::zeroGrad);
                    Var features = forward(graph, trainable, graph.constant(images));
                    Var loss = graph.mean(graph.multiply(features, features));
                    long start = System.nanoTime();
                    graph.backward(loss);
                    backwardNanos[0] = System.nanoTime() - start;
                }, 1, 3);
                System.out.printf("         last backward alone: %.3f s%n", backwardNanos[0] / 1e9);
                double stepFlops = 3 * flops;
                System.out.printf("training batch %d: %.3f s, %.1f GFLOP/s = %.2f of sgemm 2048^3, %.2f of sgemm at the "
                        + "tower's shape; workspace %d MB%n", batch, seconds, stepFlops / seconds / 1e9,
                        stepFlops / seconds / 1e9 / sgemmSquare, stepFlops / seconds / 1e9 / sgemmTower,
                        graph.workspaceBytes() >> 20);
            }
        }
    }

    /** The tower: patch embedding, class token, positions, pre-LN, 12 layers, post-LN of the class token [B, 768]. */
    static Var forward(Graph g, Parameters p, Var images) {
        String prefix = "vision_model.";
        long batch = images.shape().dim(0);
        Var patches = g.patchEmbedding(images, p.get(g, prefix + "embeddings.patch_embedding.weight"), null);
        Var classToken = g.add(g.constant(new float[(int) batch * WIDTH], batch, 1, WIDTH),
                g.reshape(p.get(g, prefix + "embeddings.class_embedding"), 1, 1, WIDTH));
        Var x = g.add(g.concat(List.of(classToken, patches), 1), p.get(g, prefix + "embeddings.position_embedding.weight"));
        x = g.layerNorm(x, p.get(g, prefix + "pre_layrnorm.weight"), p.get(g, prefix + "pre_layrnorm.bias"), 1e-5f);
        for (int layer = 0; layer < LAYERS; layer++) {
            String l = prefix + "encoder.layers." + layer + ".";
            Var h = g.layerNorm(x, p.get(g, l + "layer_norm1.weight"), p.get(g, l + "layer_norm1.bias"), 1e-5f);
            Var q = heads(g, g.linear(h, p.get(g, l + "self_attn.q_proj.weight"), p.get(g, l + "self_attn.q_proj.bias")));
            Var k = heads(g, g.linear(h, p.get(g, l + "self_attn.k_proj.weight"), p.get(g, l + "self_attn.k_proj.bias")));
            Var v = heads(g, g.linear(h, p.get(g, l + "self_attn.v_proj.weight"), p.get(g, l + "self_attn.v_proj.bias")));
            Var attended = g.reshape(g.transpose(g.attention(q, k, v, false, null), 1, 2), batch, TOKENS, WIDTH);
            x = g.add(x, g.linear(attended, p.get(g, l + "self_attn.out_proj.weight"), p.get(g, l + "self_attn.out_proj.bias")));
            h = g.layerNorm(x, p.get(g, l + "layer_norm2.weight"), p.get(g, l + "layer_norm2.bias"), 1e-5f);
            h = g.quickGelu(g.linear(h, p.get(g, l + "mlp.fc1.weight"), p.get(g, l + "mlp.fc1.bias")));
            x = g.add(x, g.linear(h, p.get(g, l + "mlp.fc2.weight"), p.get(g, l + "mlp.fc2.bias")));
        }
        Var pooled = g.reshape(g.slice(x, 1, 0, 1), batch, WIDTH);
        return g.layerNorm(pooled, p.get(g, prefix + "post_layernorm.weight"), p.get(g, prefix + "post_layernorm.bias"),
                1e-5f);
    }

    /** [B, L, 768] -> [B, 12, L, 64]. */
    private static Var heads(Graph g, Var x) {
        long batch = x.shape().dim(0);
        return g.transpose(g.reshape(x, batch, TOKENS, HEADS, WIDTH / HEADS), 1, 2);
    }

    /** Matrix-product FLOPs of one forward: patch embedding, 4 projections, 2 MLP products, QK^T and PV per layer. */
    static double forwardFlops(int batch) {
        double tokens = (double) batch * TOKENS;
        double patchEmbedding = 2.0 * batch * (TOKENS - 1) * 3 * PATCH * PATCH * WIDTH;
        double projections = 2.0 * tokens * WIDTH * (4.0 * WIDTH + 2.0 * MLP);
        double attention = 2.0 * 2.0 * batch * TOKENS * TOKENS * WIDTH;
        return patchEmbedding + LAYERS * (projections + attention);
    }

    private static Map<String, Tensor> weights(Arena arena) {
        Random random = new Random(1);
        Map<String, Tensor> w = new LinkedHashMap<>();
        String prefix = "vision_model.";
        w.put(prefix + "embeddings.patch_embedding.weight", random(arena, random, 0.02, WIDTH, 3, PATCH, PATCH));
        w.put(prefix + "embeddings.class_embedding", random(arena, random, 0.02, WIDTH));
        w.put(prefix + "embeddings.position_embedding.weight", random(arena, random, 0.02, TOKENS, WIDTH));
        w.put(prefix + "pre_layrnorm.weight", constant(arena, 1, WIDTH));
        w.put(prefix + "pre_layrnorm.bias", constant(arena, 0, WIDTH));
        for (int layer = 0; layer < LAYERS; layer++) {
            String l = prefix + "encoder.layers." + layer + ".";
            for (String projection : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                w.put(l + "self_attn." + projection + ".weight", random(arena, random, 0.02, WIDTH, WIDTH));
                w.put(l + "self_attn." + projection + ".bias", random(arena, random, 0.02, WIDTH));
            }
            w.put(l + "layer_norm1.weight", constant(arena, 1, WIDTH));
            w.put(l + "layer_norm1.bias", constant(arena, 0, WIDTH));
            w.put(l + "layer_norm2.weight", constant(arena, 1, WIDTH));
            w.put(l + "layer_norm2.bias", constant(arena, 0, WIDTH));
            w.put(l + "mlp.fc1.weight", random(arena, random, 0.02, MLP, WIDTH));
            w.put(l + "mlp.fc1.bias", random(arena, random, 0.02, MLP));
            w.put(l + "mlp.fc2.weight", random(arena, random, 0.02, WIDTH, MLP));
            w.put(l + "mlp.fc2.bias", random(arena, random, 0.02, WIDTH));
        }
        w.put(prefix + "post_layernorm.weight", constant(arena, 1, WIDTH));
        w.put(prefix + "post_layernorm.bias", constant(arena, 0, WIDTH));
        return w;
    }

    private static Tensor random(Arena arena, Random random, double sigma, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.F32, Shape.of(dims));
        for (long i = 0; i < t.elementCount(); i++) {
            t.setFloat(i, (float) (random.nextGaussian() * sigma));
        }
        return t;
    }

    private static Tensor constant(Arena arena, float value, long... dims) {
        Tensor t = Tensor.allocate(arena, DType.F32, Shape.of(dims));
        t.data().fill((byte) 0);
        for (long i = 0; i < t.elementCount() && value != 0; i++) {
            t.setFloat(i, value);
        }
        return t;
    }

    private static double sgemm(Arena arena, int m, int n, int k) {
        Random random = new Random(2);
        Matrix a = Matrix.of(random(arena, random, 1, m, k));
        Matrix b = Matrix.of(random(arena, random, 1, n, k));
        Matrix c = Matrix.allocate(arena, m, n);
        double seconds = time(() -> LinearAlgebra.gemm(false, true, 1f, a, b, 0f, c), 3, 10);
        return 2.0 * m * n * k / seconds / 1e9;
    }

    /** The median seconds of {@code runs} timed runs after {@code warmups}. */
    private static double time(Runnable body, int warmups, int runs) {
        for (int i = 0; i < warmups; i++) {
            body.run();
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            body.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        return seconds[runs / 2];
    }
}
