package amalgam.fusion.closedform;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.param.Domain;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.fusion.taskpool.LanguageTaskPool;
import amalgam.merge.ModelSource;
import amalgam.nn.Graph;
import amalgam.nn.TensorParameters;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code regmean/gpt2_regmean}: RegMean over GPT-2 backbones (FusionBench's {@code RegMeanAlgorithmForGPT2}). Each task
 * model runs as its task's classifier on {@code num_regmean_examples} shuffled train items of its task, padded on the
 * right to the task's length, while {@link LinearGrams} records the Gram of every Conv1D's input over every position,
 * padding included (FusionBench's hook sees the whole padded batch). Conv1D weights, stored [in, out], merge by
 * {@link RegMeanRule} (W = (Σ G̃ᵢ)⁻¹ Σ G̃ᵢ Wᵢ); every other backbone tensor (embeddings, layer norms, biases) is the
 * plain mean. Excluded tensors keep θ0; the heads are not merged (the output is the backbone).
 */
public final class Gpt2RegMean implements FusionMethod {
    public static final String NAME = "regmean/gpt2_regmean";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("gpt2_regmean"),
            "RegMean over GPT-2 backbones: Conv1D weights solve the merged least squares on each task's train inputs, the rest are averaged",
            Gpt2Loader.withSpecs(List.of(
                    ParameterSpec.of("exclude_param_names_regex", ParameterType.STRING_LIST, List.of(),
                            "tensors whose names these patterns match at the start keep the pretrained value"),
                    ParameterSpec.of("num_regmean_examples", ParameterType.INT, 256, Domain.integers(1, Integer.MAX_VALUE),
                            "train items per task, shuffled with the run's seed, in whole batches"),
                    ParameterSpec.of("reduce_non_diagonal_ratio", ParameterType.FLOAT, 0.6, Domain.closed(0, 1),
                            "off-diagonal entries of each Gram matrix are multiplied by this"),
                    ParameterSpec.of("weight_transpose", ParameterType.BOOL, false,
                            "Conv1D weights are stored [in, out]; true is for nn.Linear-style weights, which GPT-2 has none of"))),
            Gpt2RegMean::new);

    private final ExcludedNames excluded;
    private final int examples;
    private final double alpha;
    private final int batchSize;

    private Gpt2RegMean(MethodParameters parameters) {
        if (parameters.getBoolean("weight_transpose")) {
            throw new amalgam.UserInputException("method '" + NAME + "': GPT-2's Conv1D weights are stored [in, out]; keep"
                    + " weight_transpose=false");
        }
        this.excluded = ExcludedNames.of(parameters.getStrings("exclude_param_names_regex"), NAME);
        this.examples = Math.toIntExact(parameters.getLong("num_regmean_examples"));
        this.alpha = parameters.getDouble("reduce_non_diagonal_ratio");
        this.batchSize = Gpt2Loader.batchSize(parameters);
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        LanguageTaskPool language = context.requireLanguage(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        MeanOfWeights means = new MeanOfWeights();
        Map<String, Tensor> merged = new LinkedHashMap<>();
        Arena result = Arena.ofAuto();
        try (Arena sums = Arena.ofShared(); Parallel parallel = new Parallel(context.threads());
             Graph graph = Graph.inference(parallel)) {
            RegMeanRule rule = new RegMeanRule(alpha, sums);
            for (ModelSource model : models) {
                try (Gpt2TaskData data = Gpt2TaskData.open(language, model, NAME, true); Arena arena = Arena.ofShared()) {
                    Map<String, Tensor> weights = data.weights(model, arena);
                    LinearGrams grams = new LinearGrams(arena);
                    try (TensorParameters params = TensorParameters.frozen(weights)) {
                        for (int[] batch : TrainSamples.shuffled(data.size(), examples, batchSize, context.seed(), data.task())) {
                            graph.reset();
                            try (Arena batchArena = Arena.ofShared()) {
                                data.model().forward(graph, params, data.batch(batch, batchArena), grams);
                            }
                        }
                        graph.reset();
                    }
                    Set<String> conv1dWeights = new HashSet<>();
                    for (String linear : grams.linears()) {
                        String name = backboneName(linear + ".weight");
                        conv1dWeights.add(name);
                        if (!excluded.excludes(name)) {
                            rule.add(name, linear, transposed(weights.get(linear + ".weight"), arena), grams);
                        }
                    }
                    for (Map.Entry<String, Tensor> weight : weights.entrySet()) {
                        if (weight.getKey().startsWith(Gpt2TaskData.BODY)) {
                            String name = backboneName(weight.getKey());
                            if (!conv1dWeights.contains(name) && !excluded.excludes(name)) {
                                means.add(name, weight.getValue());
                            }
                        }
                    }
                }
            }
            merged.putAll(means.means(result));
            for (String name : rule.weightNames()) {
                merged.put(name, transposed(rule.merged(name, result), result));
            }
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged));
    }

    /** A classifier's backbone name as the backbone stores it (without {@code transformer.}). */
    static String backboneName(String classifierName) {
        return classifierName.substring(Gpt2TaskData.BODY.length());
    }

    /** A [r, c] float32 matrix as [c, r], in {@code arena}. */
    static Tensor transposed(Tensor matrix, Arena arena) {
        long rows = matrix.shape().dim(0);
        long cols = matrix.shape().dim(1);
        Tensor out = Tensor.allocate(arena, DType.F32, Shape.of(cols, rows));
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                out.data().setAtIndex(Layouts.F32, c * rows + r, matrix.data().getAtIndex(Layouts.F32, r * cols + c));
            }
        }
        return out;
    }
}
