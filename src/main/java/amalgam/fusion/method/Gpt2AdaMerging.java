package amalgam.fusion.method;

import amalgam.UserInputException;
import amalgam.data.ShuffledOrder;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.LearnedCoefficients;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.closedform.Gpt2TaskData;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.taskpool.LanguageTaskPool;
import amalgam.fusion.tta.EntropyMinimization;
import amalgam.fusion.tta.TaskTerms;
import amalgam.merge.ModelSource;
import amalgam.model.lm.Gpt2Model;
import amalgam.model.lm.LmBatch;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.TaskArithmeticParameters;
import amalgam.nn.Var;
import amalgam.param.Domain;
import amalgam.parallel.Parallel;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code adamerging/layer_wise_gpt2} (FusionBench's {@code GPT2LayerWiseAdaMergingAlgorithm}): layer-wise AdaMerging of
 * GPT-2 backbones, θ[t] = θ0[t] + Σᵢ λᵢ,ₜ τᵢ[t] with one coefficient per model and backbone tensor (wte, wpe, each
 * layer norm, weight and bias), all starting at {@code init_values}, learned by Adam on unlabeled test items: each step
 * draws a shuffled batch of every task, runs the merged backbone under that task's own classifier head, and adds the
 * entropy of the softmax of the batch's <em>mean</em> logits (FusionBench averages the logits over the batch before
 * the entropy, where the CLIP variant averages entropies). Test items are padded on the right to the task's length as
 * FusionBench's GLUE loader pads them; the pooled position is the last real token. The result is the plain backbone
 * θ(λ); with {@code merging_weights_save_path} the learned table [models, tensors] is saved beside it (STEM.safetensors)
 * and shown in the report; {@code merging_weights_load_path} loads such a table (or FusionBench's torch-saved one) and
 * skips training. {@code variant: mgda} is not offered.
 */
public final class Gpt2AdaMerging implements FusionMethod {
    public static final String NAME = "adamerging/layer_wise_gpt2";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("layer_wise_gpt2"),
            "layer-wise AdaMerging of GPT-2 backbones: coefficients learned by entropy minimisation on each task's test items",
            List.of(
                    ParameterSpec.of("optimizer.lr", ParameterType.FLOAT, 1e-4, Domain.POSITIVE,
                            "Adam's learning rate (the optimizer is Adam, FusionBench's torch.optim.Adam)"),
                    ParameterSpec.of("dataloader_kwargs.batch_size", ParameterType.INT, 16, Domain.integersFrom(1),
                            "test items per task and step"),
                    ParameterSpec.of("dataloader_kwargs.num_workers", ParameterType.INT, 0, Domain.integersFrom(0),
                            "accepted for compatibility; no effect"),
                    ParameterSpec.of("init_values", ParameterType.FLOAT, 0.3, Domain.REAL, "every coefficient's starting value"),
                    ParameterSpec.of("max_steps", ParameterType.INT, 1000, Domain.integersFrom(0), "optimizer steps"),
                    ParameterSpec.nullable("merging_weights_load_path", ParameterType.STRING, null,
                            "saved coefficients (amalgam's .safetensors table or FusionBench's torch-saved .pt): merge with them, no training"),
                    ParameterSpec.nullable("merging_weights_save_path", ParameterType.STRING, null,
                            "file name of the learned coefficients beside the model (saved as STEM.safetensors; null: not saved)"),
                    ParameterSpec.nullable("variant", ParameterType.STRING, null, "null (FusionBench's mgda variant is not offered)"),
                    ParameterSpec.of("clamp_weights", ParameterType.BOOL, false, "clamp the coefficients to [0, 1] in the merge"),
                    ParameterSpec.of("tie_weights", ParameterType.BOOL, true, "accepted for compatibility; no effect"),
                    ParameterSpec.of("strict", ParameterType.BOOL, false, "accepted for compatibility; no effect"),
                    ParameterSpec.of("cache_dir", ParameterType.STRING, "outputs/cache", "accepted for compatibility; no effect")),
            Gpt2AdaMerging::new);

    private final float learningRate;
    private final int batchSize;
    private final float initial;
    private final long steps;
    private final Path load;
    private final String tableName;
    private final boolean clamp;

    private Gpt2AdaMerging(MethodParameters parameters) {
        if (parameters.get("variant") != null) {
            throw new UserInputException("method '" + NAME + "': variant '" + parameters.get("variant") + "' is not offered"
                    + " (only the plain summed-entropy objective, variant=null)");
        }
        this.learningRate = (float) parameters.getDouble("optimizer.lr");
        this.batchSize = Math.toIntExact(Math.min(parameters.getLong("dataloader_kwargs.batch_size"), Integer.MAX_VALUE));
        this.initial = (float) parameters.getDouble("init_values");
        this.steps = parameters.getLong("max_steps");
        String loadPath = (String) parameters.get("merging_weights_load_path");
        this.load = loadPath == null ? null : Path.of(loadPath);
        String save = (String) parameters.get("merging_weights_save_path");
        this.tableName = save == null ? null : AdaMerging.tableName(NAME, save);
        this.clamp = parameters.getBoolean("clamp_weights");
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        ModelSource pretrained = context.pool().requirePretrained(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        List<String> modelNames = models.stream().map(ModelSource::name).toList();
        try (Arena arena = Arena.ofShared()) {
            List<String> names = new ArrayList<>();
            Map<String, Tensor> base = new LinkedHashMap<>();
            List<Map<String, Tensor>> taskVectors = new ArrayList<>();
            List<Gpt2TaskData> tasks = new ArrayList<>();
            try {
                LanguageTaskPool language = load == null ? context.requireLanguage(NAME) : context.language();
                for (ModelSource model : models) {
                    if (load == null) {
                        tasks.add(Gpt2TaskData.open(language, model, NAME, false));
                    }
                }
                Gpt2Model shape = tasks.isEmpty() ? null : tasks.getFirst().model();
                for (String name : backboneOrder(pretrained, shape)) {
                    names.add(name);
                    base.put(Gpt2TaskData.BODY + name, Convert.toF32(pretrained.tensor(name), arena));
                    pretrained.release(name);
                }
                for (ModelSource model : models) {
                    taskVectors.add(taskVector(model, base, arena));
                }
                List<String> prefixed = names.stream().map(name -> Gpt2TaskData.BODY + name).toList();
                Map<String, Integer> groupOf = new HashMap<>();
                for (int i = 0; i < prefixed.size(); i++) {
                    groupOf.put(prefixed.get(i), i);
                }
                java.util.function.Supplier<TaskArithmeticParameters> expressions = () -> new TaskArithmeticParameters(base, taskVectors,
                        prefixed.size(), groupOf::get, initial, clamp);
                try (TaskArithmeticParameters theta = expressions.get(); Parallel parallel = new Parallel(context.threads())) {
                    if (load != null) {
                        theta.setLambdas(AdaMerging.transpose(loadTable(modelNames, names).values(), modelNames.size(), names.size()));
                    } else {
                        EntropyMinimization.Outcome outcome = EntropyMinimization.run(theta, expressions,
                                new MeanLogitEntropy(tasks, batchSize, context.seed(), arena),
                                new EntropyMinimization.Settings(learningRate, steps), context.threads(), NAME, () -> { });
                        System.err.println(NAME + ": " + outcome.summary());
                    }
                    Map<String, Tensor> merged = new LinkedHashMap<>();
                    AdaMerging.materialize(theta, prefixed, parallel).forEach((name, value) ->
                            merged.put(name.substring(Gpt2TaskData.BODY.length()), value));
                    List<LearnedCoefficients> tables = tableName == null ? List.of() : List.of(new LearnedCoefficients(tableName,
                            modelNames, names, AdaMerging.transpose(theta.lambdaValues(), names.size(), modelNames.size())));
                    return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged), tables);
                }
            } finally {
                tasks.forEach(Gpt2TaskData::close);
            }
        }
    }

    /**
     * The backbone tensors in GPT2Model's parameter order (wte, wpe, each layer's ln_1, c_attn, c_proj, ln_2, c_fc,
     * c_proj, ln_f; FusionBench's table columns), as the pretrained model stores them.
     */
    private static List<String> backboneOrder(ModelSource pretrained, Gpt2Model classifier) {
        List<String> ordered = new ArrayList<>();
        if (classifier != null) {
            for (String name : classifier.weightShapes().keySet()) {
                if (name.startsWith(Gpt2TaskData.BODY) && pretrained.contains(name.substring(Gpt2TaskData.BODY.length()))) {
                    ordered.add(name.substring(Gpt2TaskData.BODY.length()));
                }
            }
        }
        for (String name : pretrained.tensorNames()) {
            if (!ordered.contains(name) && pretrained.dtypeOf(name).isFloatingPoint()) {
                ordered.add(name);
            }
        }
        return ordered;
    }

    /** τ = θ_model − θ0 of every base tensor, float32 in {@code arena}. */
    private static Map<String, Tensor> taskVector(ModelSource model, Map<String, Tensor> base, Arena arena) {
        Map<String, Tensor> tau = new LinkedHashMap<>();
        base.forEach((prefixed, theta0) -> {
            String name = prefixed.substring(Gpt2TaskData.BODY.length());
            if (!model.contains(name) || !model.shapeOf(name).equals(theta0.shape())) {
                throw new UserInputException("method '" + NAME + "': model '" + model.name() + "' has no tensor '" + name + "' of shape "
                        + theta0.shape());
            }
            Tensor value = Convert.toF32(model.tensor(name), arena);
            model.release(name);
            for (long i = 0; i < value.elementCount(); i++) {
                value.data().setAtIndex(Layouts.F32, i, value.data().getAtIndex(Layouts.F32, i) - theta0.data().getAtIndex(Layouts.F32, i));
            }
            tau.put(prefixed, value);
        });
        return tau;
    }

    private LearnedCoefficients loadTable(List<String> modelNames, List<String> columns) {
        if (!java.nio.file.Files.isRegularFile(load)) {
            throw new UserInputException("parameter 'merging_weights_load_path' of method '" + NAME + "': no file '" + load + "'");
        }
        if (TorchMergingWeights.handles(load)) {
            return TorchMergingWeights.load(load, "merging_weights", modelNames, columns, columns);
        }
        String leaf = load.getFileName().toString();
        return LearnedCoefficients.load(load, leaf.endsWith(".safetensors") ? leaf.substring(0, leaf.length() - 12) : leaf, modelNames,
                columns);
    }

    /**
     * Each task's term: the entropy of softmax(mean over its batch of the classifier's logits), the merged backbone
     * under the task's own head; batches endlessly reshuffled per task from the run's seed.
     */
    private static final class MeanLogitEntropy implements TaskTerms<LmBatch> {
        private final List<Gpt2TaskData> tasks;
        private final List<Tensor> heads = new ArrayList<>();
        private final List<ShuffledOrder> orders = new ArrayList<>();
        private final int batchSize;

        MeanLogitEntropy(List<Gpt2TaskData> tasks, int batchSize, long seed, Arena arena) {
            this.tasks = tasks;
            this.batchSize = batchSize;
            SplittableRandom root = new SplittableRandom(seed);
            for (Gpt2TaskData task : tasks) {
                heads.add(task.head(arena));
                orders.add(new ShuffledOrder(task.size(), root.split()));
            }
        }

        @Override
        public int tasks() {
            return tasks.size();
        }

        @Override
        public int[][] nextIndices() {
            int[][] indices = new int[tasks.size()][];
            for (int task = 0; task < indices.length; task++) {
                indices[task] = orders.get(task).nextBatch(batchSize);
            }
            return indices;
        }

        @Override
        public LmBatch batch(int task, int[] indices, Arena arena) {
            return tasks.get(task).batch(indices, arena);
        }

        @Override
        public Var loss(Graph graph, Parameters params, int task, int[] indices, LmBatch batch) {
            Tensor head = heads.get(task);
            Parameters withHead = new Parameters() {
                @Override
                public Var get(Graph g, String name) {
                    return name.equals(Gpt2TaskData.HEAD) ? Var.constant(head) : params.get(g, name);
                }

                @Override
                public List<String> names() {
                    return params.names();
                }

                @Override
                public List<Var> trainable() {
                    return params.trainable();
                }
            };
            Var logits = tasks.get(task).model().forward(graph, withHead, batch).logits(); // [B, labels]
            Var mean = graph.reshape(graph.mean(logits, 0), 1, logits.shape().dim(1));
            return graph.entropy(mean);
        }
    }
}
