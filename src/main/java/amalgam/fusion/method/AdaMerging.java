package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.tta.EntropyMinimization;
import amalgam.fusion.tta.EntropyObjective;
import amalgam.fusion.tta.TestTimeTasks;
import amalgam.fusion.tta.TowerWeights;
import amalgam.merge.ModelSource;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TaskArithmeticParameters;
import amalgam.param.Domain;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdaMerging (Yang et al. 2024, "AdaMerging: Adaptive Model Merging for Multi-Task Learning", ICLR), FusionBench's
 * {@code adamerging/clip}: task arithmetic whose coefficients are learned at test time by minimising the summed
 * entropy of the merged model's zero-shot predictions on unlabeled test batches of every task
 * ({@link EntropyObjective}, trained with Adam by {@link EntropyMinimization}):
 * <pre>
 *   task-wise:  theta(l)      = theta0      + sum_i lambda_i      tau_i         lambda in R^T
 *   layer-wise: theta(l)[t]   = theta0[t]   + sum_i lambda_{i,t}  tau_i[t]      lambda in R^{T x L}
 * </pre>
 * where tau_i = theta_i - theta0 and t runs over the L parameter tensors of the vision tower (every weight and every
 * bias on its own: 199 for ViT-B/32); theta0's coefficient is 1 and not learned; every lambda starts at
 * {@code init_values}; with {@code clamp_weights} the merge reads clamp(lambda, 0, 1) (the gradient passes through).
 * The result is the plain model theta(lambda) after {@code max_steps} steps; visual_projection is the pretrained one,
 * never merged. The learned table [T, L] (rows: models, columns: tensor names, or "all" task-wise) is saved beside
 * the model as {@code save_merging_weights} (its stem + .safetensors) and shown in the report; {@code weights=FILE}
 * loads such a table and skips training.
 *
 * <p>{@code adamerging/clip} picks the variant with {@code name} (FusionBench's {@code clip_layer_wise_adamerging},
 * the default, or {@code clip_task_wise_adamerging}); {@code adamerging/clip_layer_wise_adamerging} and
 * {@code adamerging/clip_task_wise_adamerging} fix it. {@code optimizer} accepts only adam (FusionBench's only
 * choice); {@code tie_weights}, {@code strict}, {@code num_workers} and {@code cache_dir} concern torch module
 * loading, data workers and FusionBench's cache and are accepted without effect.
 */
public final class AdaMerging implements FusionMethod {
    /** One coefficient per model, or one per model and tower tensor. */
    public enum Granularity {
        TASK_WISE("clip_task_wise_adamerging"), LAYER_WISE("clip_layer_wise_adamerging");

        private final String configName;

        Granularity(String configName) {
            this.configName = configName;
        }

        static Granularity parse(String method, String name) {
            for (Granularity granularity : values()) {
                if (granularity.configName.equals(name)) {
                    return granularity;
                }
            }
            throw new UserInputException("parameter 'name' of method '" + method + "': unknown '" + name + "'; valid: "
                    + LAYER_WISE.configName + ", " + TASK_WISE.configName);
        }
    }

    /**
     * The configured method.
     *
     * @param method        the config name (for messages)
     * @param granularity   task-wise or layer-wise
     * @param weights       saved coefficients to merge with instead of training (null: train)
     * @param learningRate  Adam's learning rate
     * @param initialValue  every coefficient's starting value
     * @param clamp         whether the merge clamps the coefficients to [0, 1]
     * @param batchSize     test images per task and step
     * @param steps         optimizer steps
     * @param tableName     the learned table's name and file stem (null: not saved)
     */
    public record Settings(String method, Granularity granularity, Path weights, float learningRate, float initialValue,
                           boolean clamp, int batchSize, long steps, String tableName) {
    }

    public static final MethodDeclaration CLIP = new MethodDeclaration("adamerging/clip", List.of(),
            "task arithmetic with coefficients learned by test-time entropy minimisation",
            parameters(true), parameters -> new AdaMerging(settings(parameters,
                    Granularity.parse(parameters.method(), parameters.getString("name")))));
    public static final MethodDeclaration LAYER_WISE = new MethodDeclaration("adamerging/clip_layer_wise_adamerging",
            List.of(), "AdaMerging with one coefficient per model and tower tensor", parameters(false),
            parameters -> new AdaMerging(settings(parameters, Granularity.LAYER_WISE)));
    public static final MethodDeclaration TASK_WISE = new MethodDeclaration("adamerging/clip_task_wise_adamerging",
            List.of(), "AdaMerging with one coefficient per model", parameters(false),
            parameters -> new AdaMerging(settings(parameters, Granularity.TASK_WISE)));

    private final Settings settings;

    public AdaMerging(Settings settings) {
        this.settings = settings;
    }

    static List<ParameterSpec> parameters(boolean withName) {
        List<ParameterSpec> specs = new ArrayList<>();
        if (withName) {
            specs.add(ParameterSpec.of("name", ParameterType.STRING, Granularity.LAYER_WISE.configName,
                    "clip_layer_wise_adamerging (one coefficient per model and tensor) or clip_task_wise_adamerging (one per model)"));
        }
        specs.add(ParameterSpec.nullable("weights", ParameterType.STRING, null,
                "saved coefficients (amalgam's .safetensors table or FusionBench's torch-saved .pt): merge with them and skip training"));
        specs.add(ParameterSpec.of("optimizer", ParameterType.STRING, "adam", "the optimizer (adam only)"));
        specs.add(ParameterSpec.of("lr", ParameterType.FLOAT, 1e-3, Domain.POSITIVE, "Adam's learning rate"));
        specs.add(ParameterSpec.of("init_values", ParameterType.FLOAT, 0.3, Domain.REAL, "every coefficient's starting value"));
        specs.add(ParameterSpec.of("clamp_weights", ParameterType.BOOL, false, "clamp the coefficients to [0, 1] in the merge"));
        specs.add(ParameterSpec.of("tie_weights", ParameterType.BOOL, true, "accepted for compatibility; no effect"));
        specs.add(ParameterSpec.of("strict", ParameterType.BOOL, false, "accepted for compatibility; no effect"));
        specs.add(ParameterSpec.of("batch_size", ParameterType.INT, 16, Domain.integersFrom(1), "test images per task and step"));
        specs.add(ParameterSpec.of("num_workers", ParameterType.INT, 8, Domain.integersFrom(0), "accepted for compatibility; no effect"));
        specs.add(ParameterSpec.of("max_steps", ParameterType.INT, 1000, Domain.integersFrom(0), "optimizer steps"));
        specs.add(ParameterSpec.nullable("save_merging_weights", ParameterType.STRING, "merging_weights.pt",
                "file name of the learned coefficients beside the model (saved as STEM.safetensors; null: not saved)"));
        specs.add(ParameterSpec.of("cache_dir", ParameterType.STRING, "outputs", "accepted for compatibility; no effect"));
        return specs;
    }

    static Settings settings(MethodParameters parameters, Granularity granularity) {
        String method = parameters.method();
        TestTimeOptions.requireAdam(parameters);
        String weights = (String) parameters.get("weights");
        String save = (String) parameters.get("save_merging_weights");
        return new Settings(method, granularity, weights == null ? null : Path.of(weights), (float) parameters.getDouble("lr"),
                (float) parameters.getDouble("init_values"), parameters.getBoolean("clamp_weights"),
                Math.toIntExact(Math.min(parameters.getLong("batch_size"), Integer.MAX_VALUE)), parameters.getLong("max_steps"),
                save == null ? null : tableName(method, save));
    }

    /** The table name of a file name: its stem ("merging_weights.pt" -> "merging_weights"). */
    static String tableName(String method, String file) {
        String leaf = Path.of(file).getFileName() == null ? "" : Path.of(file).getFileName().toString();
        int dot = leaf.lastIndexOf('.');
        String stem = dot > 0 ? leaf.substring(0, dot) : leaf;
        if (stem.isEmpty() || !stem.matches("[A-Za-z0-9_.-]+")) {
            throw new UserInputException("parameter 'save_merging_weights' of method '" + method + "': '" + file
                    + "' is not a plain file name (letters, digits, '_', '-', '.')");
        }
        return stem;
    }

    /** What AdaMerging produced: the merged tower tensors (float32) and the learned table (null when not saved). */
    public record Learned(Map<String, Tensor> tower, LearnedCoefficients table) {
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        Learned learned = learn(context);
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), learned.tower()),
                learned.table() == null ? List.of() : List.of(learned.table()));
    }

    /** Learns the coefficients (or loads them) and returns θ(λ) of every tower tensor, in memory that outlives the call. */
    public Learned learn(FusionContext context) {
        String method = settings.method();
        try (Arena arena = Arena.ofShared()) {
            TowerWeights tower = TowerWeights.ofRun(context, method, arena);
            FusionData data = context.requireData(method);
            List<String> modelNames = context.pool().models().stream().map(ModelSource::name).toList();
            return learn(tower, modelNames, modelNames, data, settings.initialValue(), context.seed(), context.threads());
        }
    }

    /**
     * θ(λ) = base + Σᵢ λᵢ τᵢ over {@code tower} with λ learned by entropy minimisation on the test batches of
     * {@code tasks} (or loaded from {@code weights}); {@code experts} name the task vectors (the table's rows).
     */
    Learned learn(TowerWeights tower, List<String> experts, List<String> tasks, FusionData data, float initial, long seed,
                  int threads) {
        try (Arena arena = Arena.ofShared()) {
            return learn(tower, experts, data, () -> new TestTimeTasks(data.taskPool(), tasks, settings.batchSize(),
                    data.family().model().config().vision().imageSize(), seed, arena), false, initial, threads);
        }
    }

    /**
     * As above, drawing the batches from {@code testTasks} (made only when training: a method may continue its own
     * stream); with {@code crossEntropy} the objective is the labelled one (the batches must then carry labels).
     */
    Learned learn(TowerWeights tower, List<String> experts, FusionData data, java.util.function.Supplier<TestTimeTasks> testTasks,
                  boolean crossEntropy, float initial, int threads) {
        String method = settings.method();
        try (Parallel parallel = new Parallel(threads)) {
            List<String> columns = columns(tower.names(), settings.granularity());
            Map<String, Integer> groupOf = groups(tower.names(), settings.granularity());
            java.util.function.Supplier<TaskArithmeticParameters> expressions = () -> new TaskArithmeticParameters(tower.base(),
                    tower.taskVectors(), columns.size(), groupOf::get, initial, settings.clamp());
            try (TaskArithmeticParameters theta = expressions.get()) {
                if (settings.weights() != null) {
                    theta.setLambdas(transpose(loadWeights(experts, columns, amalgam.model.clip.ClipKeys.visionParameterOrder(
                            data.family().model().config())).values(), experts.size(), columns.size()));
                } else {
                    TestTimeTasks batches = testTasks.get();
                    EntropyObjective objective = crossEntropy
                            ? EntropyObjective.crossEntropy(data.family().model(), tower.projection(), batches.heads())
                            : new EntropyObjective(data.family().model(), tower.projection(), batches.heads());
                    EntropyMinimization.Outcome outcome = EntropyMinimization.run(theta, expressions, objective, batches,
                            new EntropyMinimization.Settings(settings.learningRate(), settings.steps()), threads, method);
                    System.err.println(method + ": " + outcome.summary());
                }
                Map<String, Tensor> merged = materialize(theta, tower.names(), parallel);
                LearnedCoefficients table = settings.tableName() == null ? null
                        : new LearnedCoefficients(settings.tableName(), experts, columns,
                                transpose(theta.lambdaValues(), columns.size(), experts.size()));
                return new Learned(merged, table);
            }
        }
    }

    /** The coefficient row of each tower tensor: its position (layer-wise) or 0 (task-wise). */
    static Map<String, Integer> groups(List<String> names, Granularity granularity) {
        Map<String, Integer> groupOf = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            groupOf.put(names.get(i), granularity == Granularity.LAYER_WISE ? i : 0);
        }
        return groupOf;
    }

    /** The table's columns: the tower's tensor names (layer-wise) or "all" (task-wise). */
    static List<String> columns(List<String> names, Granularity granularity) {
        return granularity == Granularity.LAYER_WISE ? names : List.of("all");
    }

    /** Saved coefficients: amalgam's table (.safetensors) or FusionBench's torch-saved merge weight (.pt, .pth, .bin). */
    private LearnedCoefficients loadWeights(List<String> modelNames, List<String> columns, List<String> torchOrder) {
        Path file = settings.weights();
        if (!Files.isRegularFile(file)) {
            throw new UserInputException("parameter 'weights' of method '" + settings.method() + "': no file '" + file + "'");
        }
        String leaf = file.getFileName().toString();
        if (TorchMergingWeights.handles(file)) {
            return TorchMergingWeights.load(file, settings.tableName() == null ? "merging_weights" : settings.tableName(), modelNames,
                    columns, torchOrder);
        }
        String name = leaf.endsWith(".safetensors") ? leaf.substring(0, leaf.length() - ".safetensors".length()) : leaf;
        return LearnedCoefficients.load(file, name, modelNames, columns);
    }

    /** theta(lambda) of every tower tensor, evaluated once into memory that outlives this method. */
    static Map<String, Tensor> materialize(TaskArithmeticParameters theta, List<String> names, Parallel parallel) {
        Map<String, Tensor> merged = new LinkedHashMap<>();
        Arena results = Arena.ofAuto();
        try (Graph graph = Graph.inference(parallel)) {
            for (String name : names) {
                graph.reset();
                Tensor value = theta.get(graph, name).value();
                Tensor copy = Tensor.allocate(results, DType.F32, value.shape());
                copy.data().copyFrom(value.data());
                merged.put(name, copy);
            }
        }
        return merged;
    }

    /** The transpose of a row-major [rows, columns] table. */
    static float[] transpose(float[] values, int rows, int columns) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[c * rows + r] = values[r * columns + c];
            }
        }
        return out;
    }
}
