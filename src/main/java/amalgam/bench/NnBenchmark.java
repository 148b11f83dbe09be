package amalgam.bench;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipKeys;
import amalgam.nn.Graph;
import amalgam.nn.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.nn.optim.AdamW;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code amalgam bench nn}: the CLIP vision tower (ViT-B/32 shape, random weights) forward and one training step,
 * in images/s and GFLOP/s of its matrix products, next to the sgemm rate measured in the same run.
 */
public final class NnBenchmark {
    private static final ClipConfig.Tower VIT_B32 = new ClipConfig.Tower(768, 3072, 12, 12,
            ClipConfig.Activation.QUICK_GELU, 1e-5f, 224, 32, 3, 0, 0, -1);
    private static final int CLASSES = 10;

    private final int batch;
    private final int repetitions;
    private final int threads;

    public NnBenchmark(int batch, int repetitions, int threads) {
        this.batch = batch;
        this.repetitions = repetitions;
        this.threads = threads;
    }

    public void run(PrintWriter out) throws Exception {
        LinearAlgebra.setThreads(threads);
        ClipConfig config = new ClipConfig(VIT_B32, null, 512);
        ClipModel model = new ClipModel(config);
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(threads)) {
            double sgemm = sgemmRate(arena);
            Map<String, Tensor> weights = randomWeights(arena, config);
            Tensor pixels = random(arena, Shape.of(batch, 3, 224, 224), 1.0, 7);
            Tensor head = random(arena, Shape.of(CLASSES, 512), 0.05, 8);
            long[] labels = new long[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = i % CLASSES;
            }
            double flops = forwardFlops(batch);
            out.printf("amalgam bench nn: CLIP ViT-B/32 vision tower, batch %d at 224x224, %d threads, best of %d%n", batch, threads, repetitions);
            out.printf("  sgemm 2048^3                %8.1f GFLOP/s%n", sgemm);

            try (TensorParameters frozen = TensorParameters.frozen(weights); Graph graph = Graph.inference(parallel)) {
                double seconds = Stopwatch.best(repetitions, () -> {
                    graph.reset();
                    model.imageEmbeds(graph, frozen, model.vision(graph, frozen, graph.constant(pixels)).pooled());
                });
                print(out, "forward", seconds, flops, sgemm);
            }
            try (TensorParameters trainable = new TensorParameters(weights, name -> true);
                 Graph graph = Graph.training(parallel);
                 AdamW optimizer = new AdamW(trainable.trainable(), AdamW.Settings.defaults(0.1f), parallel)) {
                Var headVar = Var.constant(head);
                double seconds = Stopwatch.best(repetitions, () -> {
                    graph.reset();
                    optimizer.zeroGrad();
                    Var embeds = graph.l2Normalize(model.imageEmbeds(graph, trainable,
                            model.vision(graph, trainable, graph.constant(pixels)).pooled()));
                    Var logits = graph.scale(graph.matmul(embeds, graph.transpose(headVar, 0, 1)), 100f);
                    graph.backward(graph.crossEntropy(logits, labels));
                    optimizer.step(1e-5f);
                });
                print(out, "training step", seconds, 3 * flops, sgemm);
            }
        }
    }

    private void print(PrintWriter out, String what, double seconds, double flops, double sgemm) {
        double rate = flops / seconds / 1e9;
        out.printf("  %-14s %7.3f s  %7.1f images/s  %7.1f GFLOP/s  %4.2f x sgemm%n", what, seconds, batch / seconds, rate, rate / sgemm);
        out.flush();
    }

    /** Matrix-product FLOPs of one forward: patch embedding, per layer QKV/out, attention, MLP, and the projection. */
    static double forwardFlops(int batch) {
        double tokens = 50;
        double width = 768;
        double patches = 49;
        double perLayer = 2 * tokens * width * width * 4 + 2 * 2 * tokens * tokens * width + 2 * tokens * width * 3072 * 2;
        return batch * (2 * patches * 3 * 32 * 32 * width + 12 * perLayer + 2 * width * 512);
    }

    private double sgemmRate(Arena arena) throws Exception {
        int n = 2048;
        Matrix a = new Matrix(n, n, random(arena, Shape.of(n, n), 1, 1).data());
        Matrix b = new Matrix(n, n, random(arena, Shape.of(n, n), 1, 2).data());
        Matrix c = Matrix.allocate(arena, n, n);
        double seconds = Stopwatch.best(Math.max(10, repetitions), () -> LinearAlgebra.gemm(false, false, 1, a, b, 0, c));
        return 2.0 * n * n * n / seconds / 1e9;
    }

    private static Map<String, Tensor> randomWeights(Arena arena, ClipConfig config) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        long seed = 100;
        for (Map.Entry<String, Shape> key : ClipKeys.expected(config, true).entrySet()) {
            boolean norm = key.getKey().contains("layer_norm") || key.getKey().contains("layrnorm") || key.getKey().contains("layernorm");
            Tensor tensor = random(arena, key.getValue(), 0.02, seed++);
            if (norm && key.getKey().endsWith(".weight")) {
                tensor.data().fill((byte) 0);
                for (long i = 0; i < tensor.elementCount(); i++) {
                    tensor.setFloat(i, 1f);
                }
            }
            weights.put(key.getKey(), tensor);
        }
        return weights;
    }

    private static Tensor random(Arena arena, Shape shape, double scale, long seed) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.data().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (random.nextGaussian() * scale));
        }
        return tensor;
    }
}
