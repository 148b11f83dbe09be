package amalgam.fusion.closedform;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.nn.TensorParameters;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code regmean/clip_regmean} (Jin et al., ICLR 2023): every fine-tuned model runs on {@code num_regmean_examples}
 * shuffled train images of its own task while {@link LinearGrams} records the token-averaged Gram of every encoder
 * Linear's input; each Linear weight is then merged by {@link RegMeanRule} (Wᵀ = (Σ G̃ᵢ)⁻¹ Σ G̃ᵢ Wᵢᵀ) and every other
 * tower tensor (biases, layer norms, embeddings) is the plain mean of the θᵢ. Excluded tensors, and visual_projection,
 * keep θ0. One model's weights and Grams are held at a time, besides the sums.
 */
public final class RegMean implements FusionMethod {
    public static final String NAME = "regmean/clip_regmean";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("clip_regmean"),
            "RegMean: Linear weights solve the merged least squares on each task's train inputs, the rest are averaged",
            RegMeanParameters.specs(), parameters -> new RegMean(RegMeanParameters.of(parameters, NAME)));

    private final RegMeanParameters settings;

    private RegMean(RegMeanParameters settings) {
        this.settings = settings;
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        ClipVisionFamily family = data.family();
        List<String> tower = family.towerNames();
        MeanOfWeights means = new MeanOfWeights();
        Arena result = Arena.ofAuto();
        Map<String, Tensor> merged = new LinkedHashMap<>();
        try (Arena sums = Arena.ofShared(); Parallel parallel = new Parallel(context.threads());
             Graph graph = Graph.inference(parallel)) {
            RegMeanRule rule = new RegMeanRule(settings.alpha(), sums);
            for (ModelSource model : models) {
                TaskTrainData train = TaskTrainData.of(data, model);
                try (Arena arena = Arena.ofShared()) {
                    Map<String, Tensor> weights = family.weights(model, arena);
                    LinearGrams grams = new LinearGrams(arena);
                    try (TensorParameters params = TensorParameters.frozen(weights)) {
                        for (int[] batch : TrainSamples.shuffled(train.images().size(), settings.examples(), settings.batchSize(),
                                context.seed(), train.task())) {
                            graph.reset();
                            try (Arena batchArena = Arena.ofShared()) {
                                family.model().vision(graph, params, graph.constant(train.pixels(batch, batchArena)), grams);
                            }
                        }
                        graph.reset();
                    }
                    Set<String> linearWeights = new HashSet<>();
                    for (String linear : grams.linears()) {
                        String weightName = linear + ".weight";
                        linearWeights.add(weightName);
                        if (!settings.excluded().excludes(weightName)) {
                            rule.add(weightName, linear, weights.get(weightName), grams);
                        }
                    }
                    for (String name : tower) {
                        if (!linearWeights.contains(name) && !settings.excluded().excludes(name)) {
                            means.add(name, weights.get(name));
                        }
                    }
                }
            }
            merged.putAll(means.means(result));
            for (String weightName : rule.weightNames()) {
                merged.put(weightName, rule.merged(weightName, result));
            }
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), merged));
    }
}
