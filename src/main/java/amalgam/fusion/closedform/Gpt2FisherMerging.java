package amalgam.fusion.closedform;

import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionMethod;
import amalgam.fusion.FusionResult;
import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.PerTensorPlan;
import amalgam.fusion.param.MethodParameters;
import amalgam.fusion.taskpool.LanguageTaskPool;
import amalgam.merge.ModelSource;
import amalgam.model.lm.LmBatch;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code fisher_merging/gpt2_fisher_merging}: Fisher merging of GPT-2 backbones (FusionBench's
 * {@code FisherMergingAlgorithmForGPT2}). Each task model runs as its task's classifier (its own {@code score} head on
 * its backbone) on {@code num_fisher_examples} train items of its task in shuffled whole batches (FusionBench's loader
 * shuffles; the order here is fixed by the run's seed); the diagonal Fisher of every backbone tensor is estimated as
 * for CLIP ({@link FisherInformation}: the squared gradient of the batch-summed Σ_c sqrt(p_c)·log p_c) and the models
 * are averaged with it ({@link FisherRule}). Excluded tensors keep θ0; the output is the merged backbone.
 */
public final class Gpt2FisherMerging implements FusionMethod {
    public static final String NAME = "fisher_merging/gpt2_fisher_merging";

    public static final MethodDeclaration DECLARATION = new MethodDeclaration(NAME, List.of("gpt2_fisher_merging"),
            "Fisher-weighted average of GPT-2 backbones (Fisher from each task's train items, through its own classifier head)",
            Gpt2Loader.withSpecs(FisherMerging.fisherSpecs("train items per task, shuffled with the run's seed, in whole batches")),
            Gpt2FisherMerging::new);

    /** Items per backward pass: a batch's gradient is summed over slices this big (bounded activations). */
    private static final int BACKWARD_SLICE = 4;

    private final ExcludedNames excluded;
    private final boolean normalize;
    private final double minimalWeight;
    private final int examples;
    private final int batchSize;

    private Gpt2FisherMerging(MethodParameters parameters) {
        this.excluded = ExcludedNames.of(parameters.getStrings("exclude_param_names_regex"), NAME);
        this.normalize = parameters.getBoolean("normalize_fisher_weight");
        this.minimalWeight = parameters.getDouble("minimal_fisher_weight");
        this.examples = Math.toIntExact(parameters.getLong("num_fisher_examples"));
        this.batchSize = Gpt2Loader.batchSize(parameters);
    }

    @Override
    public FusionResult fuse(FusionContext context) {
        LanguageTaskPool language = context.requireLanguage(NAME);
        List<ModelSource> models = context.pool().requireModels(NAME, 1);
        FisherRule rule = new FisherRule(normalize, minimalWeight);
        Predicate<String> mergeSet = name -> name.startsWith(Gpt2TaskData.BODY) && !excluded.excludes(Gpt2RegMean.backboneName(name));
        try (Parallel parallel = new Parallel(context.threads()); Graph graph = Graph.training(parallel)) {
            for (ModelSource model : models) {
                try (Gpt2TaskData data = Gpt2TaskData.open(language, model, NAME, true); Arena arena = Arena.ofShared()) {
                    Map<String, Tensor> weights = data.weights(model, arena);
                    try (FisherInformation fisher = new FisherInformation(weights, mergeSet)) {
                        for (int[] batch : TrainSamples.shuffled(data.size(), examples, batchSize, context.seed(), data.task())) {
                            try (Arena batchArena = Arena.ofShared()) {
                                LmBatch whole = data.batch(batch, batchArena);
                                fisher.addBatch(graph, batch.length, BACKWARD_SLICE, (g, params, start, size) ->
                                        data.model().forward(g, params, rows(whole, start, size)).logits());
                            }
                        }
                        graph.reset();
                        rule.add(backboneNames(weights, mergeSet), backboneNames(fisher.fisher(arena), name -> true));
                    }
                }
            }
        }
        return new FusionResult.MergedModel(PerTensorPlan.fromMemory(context.pool().reference(), rule.merged(Arena.ofAuto())));
    }

    /** The tensors {@code keep} selects, under their backbone names. */
    private static Map<String, Tensor> backboneNames(Map<String, Tensor> tensors, Predicate<String> keep) {
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        tensors.forEach((name, tensor) -> {
            if (keep.test(name)) {
                renamed.put(Gpt2RegMean.backboneName(name), tensor);
            }
        });
        return renamed;
    }

    /** Rows start.. start + size of a batch, as a batch (views of its ids and mask). */
    private static LmBatch rows(LmBatch batch, long start, long size) {
        long length = batch.length();
        long bytes = length * Long.BYTES;
        return new LmBatch(Tensor.of(DType.I64, Shape.of(size, length), batch.inputIds().data().asSlice(start * bytes, size * bytes)),
                Tensor.of(DType.I64, Shape.of(size, length), batch.attentionMask().data().asSlice(start * bytes, size * bytes)));
    }
}
