package amalgam.bench;

import amalgam.io.Checkpoint;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipImageEncoder;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipKeys;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.nn.optim.AdamW;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code amalgam bench nn}: the CLIP vision tower (ViT-B/32 shape, random weights or a checkpoint's) in images/s and
 * GFLOP/s of its matrix products, next to the sgemm rate measured in the same run:
 * <ul>
 *   <li>the evaluation forward that task pools use ({@link ClipImageEncoder}: vision tower + visual_projection) at
 *       batch 16 and 64, the two interleaved, median of the repetitions, and the marginal cost per image between them
 *       (what torch is compared on: {@code bench/torch/clip_vision_forward.py}, see README);</li>
 *   <li>one training step (forward + backward into every weight + AdamW) of the autograd graph.</li>
 * </ul>
 * {@link #serve} answers timing requests one by one, so that a torch process can interleave its runs with these.
 */
public final class NnBenchmark {
    private static final ClipConfig.Tower VIT_B32 = new ClipConfig.Tower(768, 3072, 12, 12,
            ClipConfig.Activation.QUICK_GELU, 1e-5f, 224, 32, 3, 0, 0, -1);
    private static final int CLASSES = 10;
    private static final int[] EVALUATION_BATCHES = {16, 64};

    private final int batch;
    private final int repetitions;
    private final int threads;
    private final Path model;

    /**
     * @param batch       images of the training step
     * @param repetitions timed runs of each measurement after one warm-up
     * @param model       a CLIP checkpoint directory whose vision tower is timed, or null for random weights
     */
    public NnBenchmark(int batch, int repetitions, int threads, Path model) {
        this.batch = batch;
        this.repetitions = repetitions;
        this.threads = threads;
        this.model = model;
    }

    public void run(PrintWriter out) throws Exception {
        try (var blas = LinearAlgebra.useThreads(threads); Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(threads);
             Tower tower = new Tower(arena)) {
            double sgemm = sgemmRate(arena);
            out.printf("amalgam bench nn: CLIP ViT-B/32 vision tower at 224x224 (%s), %d threads, %s%n",
                    model == null ? "random weights" : model, threads, LinearAlgebra.backend());
            out.printf("  sgemm 2048^3                    %8.1f GFLOP/s%n", sgemm);
            out.printf("  evaluation forward (task pools' path), batches %d and %d interleaved, median of %d:%n",
                    EVALUATION_BATCHES[0], EVALUATION_BATCHES[1], repetitions);
            Map<Integer, Tensor> pixels = new LinkedHashMap<>();
            Map<Integer, List<Double>> seconds = new LinkedHashMap<>();
            for (int size : EVALUATION_BATCHES) {
                pixels.put(size, random(arena, Shape.of(size, 3, 224, 224), 1.0, 7));
                seconds.put(size, new ArrayList<>());
                tower.evaluate(pixels.get(size)); // warm-up
            }
            for (int i = 0; i < repetitions; i++) {
                for (int size : EVALUATION_BATCHES) {
                    seconds.get(size).add(tower.evaluate(pixels.get(size)));
                }
            }
            double small = median(seconds.get(EVALUATION_BATCHES[0]));
            double large = median(seconds.get(EVALUATION_BATCHES[1]));
            print(out, "batch " + EVALUATION_BATCHES[0], EVALUATION_BATCHES[0], small, forwardFlops(EVALUATION_BATCHES[0]), sgemm);
            print(out, "batch " + EVALUATION_BATCHES[1], EVALUATION_BATCHES[1], large, forwardFlops(EVALUATION_BATCHES[1]), sgemm);
            double marginal = (large - small) / (EVALUATION_BATCHES[1] - EVALUATION_BATCHES[0]);
            out.printf("    marginal cost per image %5.1f ms = %.1f images/s%n", marginal * 1e3, 1 / marginal);
            out.printf("    torch on the same machine: /usr/bin/python3 bench/torch/clip_vision_forward.py compare MODEL_DIR "
                    + "(README, Performance)%n");
            out.flush();
            trainingStep(out, arena, parallel, tower.weights(), sgemm);
        }
    }

    /**
     * Timing on request, for a process that interleaves its own runs with these: prints {@code ready}, then for each
     * line read holding a batch size runs the evaluation forward once on that many random images and prints its
     * seconds; stops at end of input.
     */
    public void serve(BufferedReader in, PrintWriter out) throws Exception {
        try (var blas = LinearAlgebra.useThreads(threads); Arena arena = Arena.ofShared(); Tower tower = new Tower(arena)) {
            Map<Integer, Tensor> pixels = new LinkedHashMap<>();
            out.println("ready " + LinearAlgebra.backend());
            out.flush();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                int size = Integer.parseInt(line.trim());
                Tensor images = pixels.computeIfAbsent(size, b -> random(arena, Shape.of(b, 3, 224, 224), 1.0, 7));
                out.println(tower.evaluate(images));
                out.flush();
            }
        }
    }

    /** The vision tower's weights and the evaluation encoder over them. */
    private final class Tower implements AutoCloseable {
        private final Map<String, Tensor> weights;
        private final Checkpoint checkpoint;
        private final ClipImageEncoder encoder;

        Tower(Arena arena) {
            ClipConfig config = new ClipConfig(VIT_B32, null, 512);
            if (model == null) {
                checkpoint = null;
                weights = randomWeights(arena, config);
            } else {
                checkpoint = Checkpoint.open(model);
                ClipConfig stored = ClipConfig.read(model.resolve("config.json"));
                config = new ClipConfig(stored.vision(), null, stored.projectionDim());
                weights = new LinkedHashMap<>();
                for (String name : ClipKeys.expected(config, true).keySet()) {
                    weights.put(name, Convert.toF32(checkpoint.tensor(name), arena));
                }
            }
            encoder = new ClipImageEncoder(new ClipModel(config), TensorParameters.frozen(weights), threads);
        }

        Map<String, Tensor> weights() {
            return weights;
        }

        /** Seconds of one evaluation forward (image embeddings) of the pixels. */
        double evaluate(Tensor pixels) {
            long start = System.nanoTime();
            try (Arena out = Arena.ofShared()) {
                encoder.imageEmbeds(pixels, out);
            }
            return (System.nanoTime() - start) / 1e9;
        }

        @Override
        public void close() {
            encoder.close();
            if (checkpoint != null) {
                checkpoint.close();
            }
        }
    }

    private void trainingStep(PrintWriter out, Arena arena, Parallel parallel, Map<String, Tensor> weights, double sgemm)
            throws Exception {
        ClipModel clip = new ClipModel(new ClipConfig(VIT_B32, null, 512));
        Tensor pixels = random(arena, Shape.of(batch, 3, 224, 224), 1.0, 7);
        Tensor head = random(arena, Shape.of(CLASSES, 512), 0.05, 8);
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % CLASSES;
        }
        Map<String, Tensor> copies = new LinkedHashMap<>(); // the optimizer updates them in place
        weights.forEach((name, tensor) -> {
            Tensor copy = Tensor.allocate(arena, DType.F32, tensor.shape());
            copy.data().copyFrom(tensor.data());
            copies.put(name, copy);
        });
        try (TensorParameters trainable = new TensorParameters(copies, name -> true);
             Graph graph = Graph.training(parallel);
             AdamW optimizer = new AdamW(trainable.trainable(), AdamW.Settings.defaults(0.1f), parallel)) {
            Var headVar = Var.constant(head);
            double seconds = Stopwatch.best(repetitions, () -> {
                graph.reset();
                optimizer.zeroGrad();
                Var embeds = graph.l2Normalize(clip.imageEmbeds(graph, trainable,
                        clip.vision(graph, trainable, graph.constant(pixels)).pooled()));
                Var logits = graph.scale(graph.matmul(embeds, graph.transpose(headVar, 0, 1)), 100f);
                graph.backward(graph.crossEntropy(logits, labels));
                optimizer.step(1e-5f);
            });
            out.printf("  training step (forward + backward + AdamW), batch %d, best of %d:%n", batch, repetitions);
            print(out, "batch " + batch, batch, seconds, 3 * forwardFlops(batch), sgemm);
        }
    }

    private static void print(PrintWriter out, String what, int images, double seconds, double flops, double sgemm) {
        double rate = flops / seconds / 1e9;
        out.printf("    %-10s %7.3f s  %7.1f images/s  %7.1f GFLOP/s  %4.2f x sgemm%n", what, seconds, images / seconds, rate,
                rate / sgemm);
        out.flush();
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
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
