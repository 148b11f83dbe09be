package amalgam.fusion.closedform;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code regmean_plusplus/clip_regmean_plusplus} (RegMean++: RegMean whose Linear inputs flow through the merged
 * prefix). Layer by layer:
 * <ol>
 *   <li>the embeddings and pre_layrnorm are the plain mean of the models';</li>
 *   <li>each task's {@code num_regmean_examples} shuffled train images enter as X⁰ᵢ = pre_layrnorm(embeddings(x))
 *       under those merged weights;</li>
 *   <li>for encoder layer ℓ, every model i runs <em>its own</em> layer ℓ on Xᵢ^ℓ while {@link LinearGrams} records the
 *       Linears' inputs; layer ℓ is merged by {@link RegMeanRule} (Linear weights) and the mean (its other tensors);
 *       then Xᵢ^{ℓ+1} = merged layer ℓ (Xᵢ^ℓ) for every task.</li>
 * </ol>
 * post_layernorm is never merged and keeps θ0, as in FusionBench; so do visual_projection and the excluded tensors,
 * whose {@code exclude_param_names_regex} is matched against names relative to the encoder layer
 * ({@code mlp.fc1.weight}, spec §10.5). Held at a time: the tasks' hidden states, one model's layer and the sums.
 */
public final class RegMeanPlusPlus implements FusionMethod {
    public static final String NAME = "regmean_plusplus/clip_regmean_plusplus";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("clip_regmean_plusplus"),
            "RegMean layer by layer, with each layer's inputs computed by the already merged layers before it",
            RegMeanParameters.specs(), parameters -> new RegMeanPlusPlus(RegMeanParameters.of(parameters, NAME)));

    private final RegMeanParameters settings;

    private RegMeanPlusPlus(RegMeanParameters settings) {
        this.settings = settings;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        ClipVisionFamily family = data.family();
        ClipModel model = family.model();
        Arena result = Arena.ofAuto();
        Map<String, Tensor> merged = new LinkedHashMap<>(embeddings(models, family, result));
        List<TaskTrainData> tasks = new ArrayList<>();
        for (ModelSource source : models) {
            tasks.add(TaskTrainData.of(data, source));
        }
        Arena hiddenArena = Arena.ofShared();
        try (Parallel parallel = new Parallel(context.threads()); Graph graph = Graph.inference(parallel)) {
            List<List<Tensor>> hidden = inputs(tasks, model, merged, graph, hiddenArena, context.seed());
            int layers = model.config().vision().layers();
            for (int layer = 0; layer < layers; layer++) {
                Map<String, Tensor> block = mergeLayer(layer, models, family, hidden, graph, context.pool().reference(), result);
                merged.putAll(block);
                if (layer + 1 < layers) {
                    Arena next = Arena.ofShared();
                    hidden = advance(layer, model, block, hidden, graph, next);
                    hiddenArena.close();
                    hiddenArena = next;
                }
            }
        } finally {
            hiddenArena.close();
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged));
    }

    /** Step 1: the mean of every model's embeddings and pre_layrnorm. */
    private static Map<String, Tensor> embeddings(List<ModelSource> models, ClipVisionFamily family, Arena result) {
        MeanOfWeights means = new MeanOfWeights();
        for (ModelSource source : models) {
            try (Arena arena = Arena.ofConfined()) {
                family.towerWeights(source, RegMeanPlusPlus::isEmbedding, arena).forEach(means::add);
            }
        }
        return means.means(result);
    }

    private static boolean isEmbedding(String name) {
        return name.startsWith("vision_model.embeddings.") || name.startsWith("vision_model.pre_layrnorm.");
    }

    /** Step 2: X⁰ᵢ for each task, batch by batch, copied out of the graph into {@code arena}. */
    private List<List<Tensor>> inputs(List<TaskTrainData> tasks, ClipModel model, Map<String, Tensor> embeddings, Graph graph,
                                      Arena arena, long seed) {
        List<List<Tensor>> hidden = new ArrayList<>();
        try (TensorParameters params = TensorParameters.frozen(embeddings)) {
            for (TaskTrainData task : tasks) {
                List<Tensor> batches = new ArrayList<>();
                for (int[] batch : TrainSamples.shuffled(task.images().size(), settings.examples(), settings.batchSize(), seed,
                        task.task())) {
                    graph.reset();
                    try (Arena pixels = Arena.ofShared()) {
                        batches.add(copy(model.visionEmbeddings(graph, params, graph.constant(task.pixels(batch, pixels))), arena));
                    }
                }
                hidden.add(batches);
            }
        }
        graph.reset();
        return hidden;
    }

    /** Step 3: layer ℓ merged from every model's own layer on its task's current hidden states. */
    private Map<String, Tensor> mergeLayer(int layer, List<ModelSource> models, ClipVisionFamily family, List<List<Tensor>> hidden,
                                           Graph graph, ModelSource reference, Arena result) {
        String prefix = ClipModel.visionLayerPrefix(layer);
        Map<String, Tensor> block = new LinkedHashMap<>();
        try (Arena sums = Arena.ofShared()) {
            RegMeanRule rule = new RegMeanRule(settings.alpha(), sums);
            MeanOfWeights means = new MeanOfWeights();
            for (int i = 0; i < models.size(); i++) {
                try (Arena arena = Arena.ofShared()) {
                    Map<String, Tensor> weights = family.towerWeights(models.get(i), name -> name.startsWith(prefix), arena);
                    LinearGrams grams = new LinearGrams(arena);
                    try (TensorParameters params = TensorParameters.frozen(weights)) {
                        for (Tensor input : hidden.get(i)) {
                            graph.reset();
                            family.model().visionLayer(graph, params, layer, graph.constant(input), grams);
                        }
                        graph.reset();
                    }
                    Set<String> linearWeights = new HashSet<>();
                    for (String linear : grams.linears()) {
                        String weightName = linear + ".weight";
                        linearWeights.add(weightName);
                        if (!excluded(weightName, prefix)) {
                            rule.add(weightName, linear, weights.get(weightName), grams);
                        }
                    }
                    weights.forEach((name, value) -> {
                        if (!linearWeights.contains(name) && !excluded(name, prefix)) {
                            means.add(name, value);
                        }
                    });
                }
            }
            block.putAll(means.means(result));
            for (String weightName : rule.weightNames()) {
                block.put(weightName, rule.merged(weightName, result));
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            family.towerWeights(reference, name -> name.startsWith(prefix) && excluded(name, prefix), arena).forEach((name, value) -> {
                Tensor kept = Tensor.allocate(result, DType.F32, value.shape());
                kept.data().copyFrom(value.data());
                block.put(name, kept);
            });
        }
        return block;
    }

    private boolean excluded(String name, String prefix) {
        return settings.excluded().excludes(name.substring(prefix.length()));
    }

    /** Xᵢ^{ℓ+1} = merged layer ℓ (Xᵢ^ℓ), copied into {@code arena}. */
    private static List<List<Tensor>> advance(int layer, ClipModel model, Map<String, Tensor> block, List<List<Tensor>> hidden,
                                              Graph graph, Arena arena) {
        List<List<Tensor>> next = new ArrayList<>();
        try (TensorParameters params = TensorParameters.frozen(block)) {
            for (List<Tensor> task : hidden) {
                List<Tensor> batches = new ArrayList<>();
                for (Tensor input : task) {
                    graph.reset();
                    batches.add(copy(model.visionLayer(graph, params, layer, graph.constant(input), null), arena));
                }
                next.add(batches);
            }
        }
        graph.reset();
        return next;
    }

    private static Tensor copy(Var value, Arena arena) {
        Tensor copy = Tensor.allocate(arena, DType.F32, value.shape());
        copy.data().copyFrom(value.value().data());
        return copy;
    }
}
