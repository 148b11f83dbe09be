package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionResult;
import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.MethodRegistry;
import amalgam.fusion.ModelPool;
import amalgam.fusion.Pools;
import amalgam.fusion.closedform.TinyTrainPools;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.YamlDocuments;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipKeys;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.testing.Fixtures;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdaSVD (spec §7.6): the routing statistic and the collapse on a hand case, and the whole method on the tiny
 * train pool (CLIP fixture, hidden 64, 4 layers; tasks sun397 and eurosat with 16 train images each).
 */
class AdaSvdTest {
    private static final String Q = "vision_model.encoder.layers.0.self_attn.q_proj";
    private static final String V = "vision_model.encoder.layers.0.self_attn.v_proj";

    @TempDir
    static Path root;

    @BeforeAll
    static void pools() {
        TinyTrainPools.write(root, 16);
    }

    /**
     * One layer of width 4, two tasks whose only changes are rank-1 updates of q_proj (and its bias) and v_proj:
     * ΔW = s·u vᵀ, so with gate_k = 1 each expert's gate row is ±vᵀ and its routing logit is |v·x| for x =
     * layer_norm1(h). The mean softmax over the three tokens is computed here by hand, and the collapsed q_proj must be
     * W0 + Σᵢ cᵢ w̄ᵢ ΔWᵢ (bias likewise); linears no task changed are not metered and stay W0.
     */
    @Test
    void routingWeightsAndCollapseMatchAHandComputation() {
        ClipConfig config = new ClipConfig(new ClipConfig.Tower(4, 8, 1, 1, ClipConfig.Activation.QUICK_GELU, 1e-5f, 4, 2, 3, 0, 0, 0),
                null, 2);
        try (Arena arena = Arena.ofShared()) {
            Random random = new Random(3);
            Map<String, Tensor> theta0 = new LinkedHashMap<>();
            ClipKeys.expected(config, false).forEach((name, shape) -> {
                if (name.startsWith("vision_model.encoder.layers.0.")) {
                    theta0.put(name, random(arena, random, shape, name.contains("norm") && name.endsWith(".weight") ? 1 : 0, 0.3));
                }
            });
            float[][] qU = {{1, 0, 0, 0}, {0, 0.6f, 0.8f, 0}};
            float[][] qV = {{0.6f, 0.8f, 0, 0}, {0, 0, 0, 1}};
            float[][] vU = {{0, 1, 0, 0}, {0, 0, 1, 0}};
            float[][] vV = {{0, 0, 1, 0}, {0.8f, 0, 0, -0.6f}};
            float[][] qBias = {{0.5f, -1, 0, 2}, {1, 1, -1, 0}};
            List<ModelSource> models = new ArrayList<>();
            for (int task = 0; task < 2; task++) {
                Map<String, Tensor> tensors = new LinkedHashMap<>(theta0);
                tensors.put(Q + ".weight", plusOuter(arena, theta0.get(Q + ".weight"), 2 + task, qU[task], qV[task]));
                tensors.put(Q + ".bias", plus(arena, theta0.get(Q + ".bias"), qBias[task]));
                tensors.put(V + ".weight", plusOuter(arena, theta0.get(V + ".weight"), 3 - task, vU[task], vV[task]));
                models.add(new InMemoryModelSource("task" + task, tensors));
            }
            List<String> linears = List.of(Q, "vision_model.encoder.layers.0.self_attn.k_proj", V,
                    "vision_model.encoder.layers.0.self_attn.out_proj", "vision_model.encoder.layers.0.mlp.fc1",
                    "vision_model.encoder.layers.0.mlp.fc2");
            DenseSmileLayer layer = DenseSmileLayer.build(linears, theta0, models, 1, false, arena);
            assertEquals(List.of(Q, V), layer.mixture().linears().stream().map(l -> l.name()).toList(), "unchanged linears stay plain");

            float[] hidden = {0.3f, -1.2f, 0.8f, 2.0f, 1.5f, 0.1f, -0.7f, 0.4f, -0.2f, 0.9f, 1.1f, -1.6f};
            RoutingWeightMeter meter = new RoutingWeightMeter(layer.mixture(), layer.tensors());
            try (Graph graph = Graph.inference(Parallel.CALLING_THREAD); TensorParameters params = TensorParameters.frozen(theta0)) {
                new ClipModel(config, meter).visionLayer(graph, params, 0, graph.constant(hidden, 1, 3, 4), null);
            }
            double[][] normed = layerNorm(hidden, theta0.get("vision_model.encoder.layers.0.layer_norm1.weight"),
                    theta0.get("vision_model.encoder.layers.0.layer_norm1.bias"));
            float[] qMeans = meter.means(Q);
            float[] vMeans = meter.means(V);
            assertArrayEquals(meanSoftmax(normed, qV), qMeans, 1e-6f, "q_proj: mean over tokens of softmax(|vᵢ·x|)");
            assertArrayEquals(meanSoftmax(normed, vV), vMeans, 1e-6f, "v_proj");
            assertFalse(Math.abs(qMeans[0] - 0.5f) < 1e-3, "the hand case routes unevenly: " + qMeans[0]);

            float[] scaling = {0.5f, 2f};
            float[] coefficients = {scaling[0] * qMeans[0], scaling[1] * qMeans[1]};
            Map<String, Tensor> collapsed = layer.collapse(layer.mixture().linears().getFirst(), theta0, coefficients, arena);
            float[] w0 = theta0.get(Q + ".weight").toFloatArray();
            float[] b0 = theta0.get(Q + ".bias").toFloatArray();
            float[] w = collapsed.get(Q + ".weight").toFloatArray();
            float[] b = collapsed.get(Q + ".bias").toFloatArray();
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 4; c++) {
                    double expected = w0[r * 4 + c];
                    for (int task = 0; task < 2; task++) {
                        expected += coefficients[task] * (2 + task) * qU[task][r] * qV[task][c];
                    }
                    assertEquals(expected, w[r * 4 + c], 1e-5, "W[" + r + "," + c + "]");
                }
                assertEquals(b0[r] + coefficients[0] * qBias[0][r] + coefficients[1] * qBias[1][r], b[r], 1e-5, "b[" + r + "]");
            }
        }
    }

    /** With one task the softmax weight is 1, so with c = 1 the collapse gives the task model's linears back. */
    @Test
    void oneTaskGivesItsLinearsBackAndEverythingElseFromThePretrainedModel() {
        Outcome outcome = fuse("pool-sun397.yaml", Map.of("num_samples", 5), 0, 1);
        Map<String, float[]> pretrained = weights("pretrained");
        Map<String, float[]> task = weights("sun397");
        LearnedCoefficients table = outcome.table();
        assertEquals(List.of("sun397"), table.rows());
        assertEquals(24, table.columns().size(), "4 layers x 6 linears");
        for (float w : table.values()) {
            assertEquals(1f, w, "one expert: weight 1");
        }
        outcome.tensors().forEach((name, values) -> {
            boolean linear = SmileUpscaling.LINEAR.matcher(name.replaceFirst("\\.bias$", ".weight")).matches();
            float[] expected = linear ? task.get(name) : pretrained.get(name);
            for (int i = 0; i < values.length; i++) {
                // W0 + (W1 - W0) in float32 is W1 up to the rounding of the difference (exact when W0 and W1 are within 2x)
                float bound = linear ? 2 * Math.ulp(Math.max(Math.abs(expected[i]), Math.abs(pretrained.get(name)[i]))) : 0;
                assertTrue(Math.abs(values[i] - expected[i]) <= bound, name + "[" + i + "]: " + values[i] + " vs " + expected[i]);
            }
        });
    }

    /**
     * Two tasks: the routing weights of each linear sum to 1 over the tasks, do not depend on the scaling factor, and
     * every output linear is W0 + Σᵢ fl(cᵢ·w̄ᵢ)·ΔWᵢ with the table's w̄ (bit for bit, float32 as FusionBench sums).
     */
    @Test
    void everyLinearIsThePretrainedPlusTheScaledRoutingWeightedTaskVectors() {
        Outcome plain = fuse("pool.yaml", Map.of("num_samples", 6), 0, 1);
        Outcome scaled = fuse("pool.yaml", Map.of("num_samples", 6, "scaling_factor", List.of(0.5, 2.0)), 0, 1);
        assertArrayEquals(plain.table().values(), scaled.table().values(), "w̄ is measured on the uncollapsed mixture");
        LearnedCoefficients table = scaled.table();
        assertEquals(TinyTrainPools.TASKS, table.rows());
        Map<String, float[]> pretrained = weights("pretrained");
        List<Map<String, float[]>> tasks = List.of(weights("sun397"), weights("eurosat"));
        float[] scaling = {0.5f, 2f};
        for (int column = 0; column < table.columns().size(); column++) {
            String linear = table.columns().get(column);
            assertEquals(1.0, table.get(0, column) + table.get(1, column), 1e-6, linear + ": softmax weights sum to 1");
            for (String tensor : List.of(linear + ".weight", linear + ".bias")) {
                float[] expected = pretrained.get(tensor).clone();
                for (int t = 0; t < 2; t++) {
                    float coefficient = table.get(t, column) * scaling[t];
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] = expected[i] + coefficient * (tasks.get(t).get(tensor)[i] - pretrained.get(tensor)[i]);
                    }
                }
                assertArrayEquals(expected, scaled.tensors().get(tensor), tensor);
            }
        }
        assertArrayEquals(pretrained.get("vision_model.encoder.layers.1.layer_norm1.weight"),
                scaled.tensors().get("vision_model.encoder.layers.1.layer_norm1.weight"), "other tensors stay θ0");
    }

    @Test
    void resultsDoNotDependOnTheThreadCountAndTheSeedPicksTheImages() {
        Map<String, Object> parameters = Map.of("num_samples", 7, "average_experts", true);
        Outcome one = fuse("pool.yaml", parameters, 0, 1);
        Outcome three = fuse("pool.yaml", parameters, 0, 3);
        assertArrayEquals(one.table().values(), three.table().values());
        one.tensors().forEach((name, values) -> assertArrayEquals(values, three.tensors().get(name), name));
        Map<String, Object> reseeded = new LinkedHashMap<>(parameters);
        reseeded.put("seed", 5);
        assertFalse(java.util.Arrays.equals(one.table().values(), fuse("pool.yaml", reseeded, 0, 1).table().values()),
                "another seed draws other images");
        Map<String, Object> runSeed = new LinkedHashMap<>(parameters);
        runSeed.put("seed", null);
        assertArrayEquals(fuse("pool.yaml", reseeded, 0, 1).table().values(), fuse("pool.yaml", runSeed, 5, 1).table().values(),
                "seed null: the run's seed");
    }

    @Test
    void badInputIsRefusedWithASentence() {
        UserInputException noData = assertThrows(UserInputException.class, () -> MethodRegistry.create(AdaSvd.NAME, Map.of())
                .fuse(FusionContext.dataFree(new ModelPool(List.of()), 0)));
        assertTrue(noData.getMessage().contains("task pool"), noData.getMessage());
        UserInputException list = assertThrows(UserInputException.class,
                () -> fuse("pool.yaml", Map.of("num_samples", 4, "scaling_factor", List.of(1.0, 1.0, 1.0)), 0, 1));
        assertTrue(list.getMessage().contains("3 value(s)") && list.getMessage().contains("2 task model(s)"), list.getMessage());
    }

    /** A split smaller than num_samples is read whole (a fast_dev_run reads one batch): 256 of 16 images = all 16. */
    @Test
    void aSmallerSplitIsReadWhole() {
        assertArrayEquals(fuse("pool.yaml", Map.of("num_samples", 16), 0, 1).table().values(),
                fuse("pool.yaml", Map.of(), 0, 1).table().values());
    }

    /** The merged tensors and the routing-weight table. */
    private record Outcome(Map<String, float[]> tensors, LearnedCoefficients table) {
    }

    private static Outcome fuse(String poolFile, Map<String, ?> parameters, long seed, int threads) {
        List<CheckpointModelSource> opened = new ArrayList<>();
        try {
            ModelPool pool = ModelPool.load(root.resolve(poolFile), root, path -> {
                CheckpointModelSource source = CheckpointModelSource.open(path.getFileName().toString(), path);
                opened.add(source);
                return source;
            });
            Path tasksFile = root.resolve("tasks.yaml");
            ImageTaskPool taskPool = ImageTaskPool.fromDocument(YamlDocuments.read(tasksFile, "task pool"), tasksFile);
            ClipConfig config = ClipConfig.read(Fixtures.path("merge-tiny/clip/pretrained/config.json"));
            FusionData data = new FusionData(taskPool, new ClipVisionFamily(config, pool.pretrained().orElse(null), pool.reference()));
            FusionResult result = MethodRegistry.create(AdaSvd.NAME, new LinkedHashMap<>(parameters))
                    .fuse(new FusionContext(pool, seed, threads, data, false, Parallel.CALLING_THREAD));
            FusionResult.MergedModel merged = (FusionResult.MergedModel) result;
            return new Outcome(Pools.run(merged.jobs()), merged.learned().getFirst());
        } finally {
            opened.forEach(CheckpointModelSource::close);
        }
    }

    private static Map<String, float[]> weights(String model) {
        try (CheckpointModelSource source = CheckpointModelSource.open(model, Fixtures.path("merge-tiny/clip/" + model))) {
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (String name : source.tensorNames()) {
                weights.put(name, source.tensor(name).toFloatArray());
            }
            return weights;
        }
    }

    private static float[] meanSoftmax(double[][] tokens, float[][] gateRows) {
        double[] sums = new double[gateRows.length];
        for (double[] x : tokens) {
            double[] logits = new double[gateRows.length];
            double total = 0;
            for (int e = 0; e < gateRows.length; e++) {
                double dot = 0;
                for (int c = 0; c < x.length; c++) {
                    dot += gateRows[e][c] * x[c];
                }
                logits[e] = Math.exp(Math.abs(dot));
                total += logits[e];
            }
            for (int e = 0; e < gateRows.length; e++) {
                sums[e] += logits[e] / total;
            }
        }
        float[] means = new float[sums.length];
        for (int e = 0; e < sums.length; e++) {
            means[e] = (float) (sums[e] / tokens.length);
        }
        return means;
    }

    private static double[][] layerNorm(float[] hidden, Tensor weight, Tensor bias) {
        int width = Math.toIntExact(weight.elementCount());
        double[][] out = new double[hidden.length / width][width];
        for (int t = 0; t < out.length; t++) {
            double mean = 0;
            for (int c = 0; c < width; c++) {
                mean += hidden[t * width + c];
            }
            mean /= width;
            double variance = 0;
            for (int c = 0; c < width; c++) {
                variance += Math.pow(hidden[t * width + c] - mean, 2);
            }
            variance /= width;
            for (int c = 0; c < width; c++) {
                out[t][c] = (hidden[t * width + c] - mean) / Math.sqrt(variance + 1e-5) * weight.getFloat(c) + bias.getFloat(c);
            }
        }
        return out;
    }

    private static Tensor plusOuter(Arena arena, Tensor base, float scale, float[] u, float[] v) {
        Tensor out = Tensor.allocate(arena, DType.F32, base.shape());
        for (int r = 0; r < u.length; r++) {
            for (int c = 0; c < v.length; c++) {
                out.setFloat(r * v.length + c, base.getFloat(r * v.length + c) + scale * u[r] * v[c]);
            }
        }
        return out;
    }

    private static Tensor plus(Arena arena, Tensor base, float[] delta) {
        Tensor out = Tensor.allocate(arena, DType.F32, base.shape());
        for (int i = 0; i < delta.length; i++) {
            out.setFloat(i, base.getFloat(i) + delta[i]);
        }
        return out;
    }

    private static Tensor random(Arena arena, Random random, Shape shape, double mean, double deviation) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, shape);
        for (long i = 0; i < tensor.elementCount(); i++) {
            tensor.setFloat(i, (float) (mean + deviation * random.nextGaussian()));
        }
        return tensor;
    }
}
