package amalgam.fusion.closedform;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.param.ParameterSpec;
import amalgam.fusion.param.ParameterType;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.param.Domain;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code fisher_merging/clip_fisher_merging}: each fine-tuned model's diagonal Fisher on the first
 * {@code num_fisher_examples} train images of its own task, in dataset order (whole batches, no shuffle;
 * {@link FisherInformation}), then the Fisher-weighted average of the models ({@link FisherRule}). The merge set is
 * the vision tower minus {@code exclude_param_names_regex}; excluded tensors and visual_projection keep θ0.
 * One model's weights and Fisher are held at a time, besides the two running sums.
 */
public final class FisherMerging implements FusionMethod {
    public static final String NAME = "fisher_merging/clip_fisher_merging";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("clip_fisher_merging"),
            "Fisher-weighted average of the fine-tuned models (Fisher from each task's train images)", specs(),
            FisherMerging::new);

    private static List<ParameterSpec> specs() {
        List<ParameterSpec> specs = new ArrayList<>(fisherSpecs("train images per task, taken in dataset order in whole batches"));
        specs.addAll(DataLoaderParameters.specs());
        return specs;
    }

    /** The parameters every Fisher merging config has (CLIP's and GPT-2's), with what {@code num_fisher_examples} counts. */
    static List<ParameterSpec> fisherSpecs(String examplesDescription) {
        return List.of(
                ParameterSpec.of("exclude_param_names_regex", ParameterType.STRING_LIST, List.of(),
                        "tensors whose names these patterns match at the start keep the pretrained value"),
                ParameterSpec.of("normalize_fisher_weight", ParameterType.BOOL, true,
                        "weight model i by 1 / (‖F_i‖ + minimal_fisher_weight), normalized over models"),
                ParameterSpec.of("minimal_fisher_weight", ParameterType.FLOAT, 1e-6, Domain.POSITIVE,
                        "added to every Fisher value (and to the norms) so no weight is zero"),
                ParameterSpec.of("num_fisher_examples", ParameterType.INT, 256, Domain.integers(1, Integer.MAX_VALUE),
                        examplesDescription));
    }

    /** Images per backward pass: the gradient of a batch is summed over slices this big (bounded activations). */
    private static final int BACKWARD_SLICE = 8;

    private final ExcludedNames excluded;
    private final boolean normalize;
    private final double minimalWeight;
    private final int examples;
    private final int batchSize;

    private FisherMerging(MethodParameters parameters) {
        this.excluded = ExcludedNames.of(parameters.getStrings("exclude_param_names_regex"), NAME);
        this.normalize = parameters.getBoolean("normalize_fisher_weight");
        this.minimalWeight = parameters.getDouble("minimal_fisher_weight");
        this.examples = Math.toIntExact(parameters.getLong("num_fisher_examples"));
        this.batchSize = DataLoaderParameters.batchSize(parameters);
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        FusionData data = context.requireData(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        ClipVisionFamily family = data.family();
        Set<String> tower = Set.copyOf(family.towerNames());
        Predicate<String> mergeSet = name -> tower.contains(name) && !excluded.excludes(name);
        FisherRule rule = new FisherRule(normalize, minimalWeight);
        try (Parallel parallel = new Parallel(context.threads()); Graph graph = Graph.training(parallel)) {
            for (ModelSource model : models) {
                TaskTrainData train = TaskTrainData.of(data, model);
                try (Arena arena = Arena.ofShared()) {
                    Map<String, Tensor> weights = family.weights(model, arena);
                    ZeroShotClassifier classifier = new ZeroShotClassifier(family.model(), train.head(arena));
                    try (FisherInformation fisher = new FisherInformation(weights, mergeSet)) {
                        for (int[] batch : TrainSamples.inOrder(train.images().size(), examples, batchSize)) {
                            try (Arena batchArena = Arena.ofShared()) {
                                fisher.addBatch(graph, classifier, train.pixels(batch, batchArena), BACKWARD_SLICE);
                            }
                        }
                        graph.reset();
                        Map<String, Tensor> merged = new LinkedHashMap<>(weights);
                        merged.keySet().removeIf(mergeSet.negate());
                        rule.add(merged, fisher.fisher(arena));
                    }
                }
            }
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), rule.merged(Arena.ofAuto())));
    }
}
