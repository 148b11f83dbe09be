package amalgam.mergekit.plan;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.merge.TensorJob;
import amalgam.mergekit.arch.Architecture;
import amalgam.mergekit.config.MergeConfig;
import amalgam.mergekit.config.ModelReference;
import amalgam.mergekit.config.OutputSlice;
import amalgam.mergekit.config.SliceSource;
import amalgam.mergekit.method.MergeMethod;
import amalgam.mergekit.method.MergekitMethods;
import amalgam.mergekit.tokenizer.ChatTemplate;
import amalgam.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A mergekit merge, planned: the output tensors in order (pre-weights, each slice's layers renumbered
 * consecutively, post-weights) as {@link TensorJob}s, plus what the engine needs for the side files.
 *
 * @param jobs            output tensors in plan order
 * @param donorDirectory  directory of the model donating config.json and the tokenizer (base, else the first
 *                        model in config order)
 * @param torchDType      value for config.json {@code torch_dtype} ({@code out_dtype}, else {@code dtype}), or null
 *                        to keep the donor's
 * @param configUpdates   other config.json keys to set (the layer-count key of a frankenmerge, {@code vocab_size}
 *                        of a merged vocabulary)
 * @param tokenizerFiles  the built tokenizer's files by name, written instead of the donor's tokenizer; empty when
 *                        the config builds none
 * @param configText      the merge config verbatim (model card, mergekit_config.yml)
 * @param chatTemplate    the resolved {@code chat_template} text, or null when none applies
 * @param warnings        config keys that were ignored and similar notes
 */
public record MergekitPlan(List<TensorJob> jobs, Path donorDirectory, DType torchDType, Map<String, Object> configUpdates,
                           Map<String, String> tokenizerFiles, String configText, String chatTemplate,
                           List<String> warnings) {

    public MergekitPlan {
        jobs = List.copyOf(jobs);
        configUpdates = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(configUpdates));
        tokenizerFiles = Map.copyOf(tokenizerFiles);
        warnings = List.copyOf(warnings);
    }

    /**
     * The files written last into the output: the built tokenizer, if any, and the chat template applied to
     * whichever tokenizer is written (the built one, else the donor's copy). As in mergekit, a template with no
     * tokenizer to go with it is not saved, with a warning.
     *
     * @param copyTokenizer whether the donor's tokenizer files are copied into the output
     */
    public Map<String, String> generatedFiles(boolean copyTokenizer, Consumer<String> warn) {
        if (chatTemplate == null) {
            return tokenizerFiles;
        }
        String tokenizerConfig = tokenizerFiles.get("tokenizer_config.json");
        if (tokenizerConfig == null && copyTokenizer) {
            tokenizerConfig = donorTokenizerConfig();
        }
        if (tokenizerConfig == null) {
            warn.accept("chat_template is set but no tokenizer is written with the model, so the template is not saved");
            return tokenizerFiles;
        }
        Map<String, String> files = new LinkedHashMap<>(tokenizerFiles);
        files.putAll(ChatTemplate.apply(chatTemplate, tokenizerConfig));
        return files;
    }

    private String donorTokenizerConfig() {
        Path file = CacheLinks.resolve(donorDirectory.resolve("tokenizer_config.json"));
        if (!Files.isRegularFile(file)) {
            return null;
        }
        return new String(ConfigFiles.readBytes(file, "tokenizer config", ConfigFiles.MAX_TOKENIZER_BYTES),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Plans with model paths relative to the working directory. */
    public static MergekitPlan build(MergeConfig config, long seed, Function<Path, ModelSource> opener) {
        return build(config, seed, written -> Path.of(written.split("@", 2)[0]), opener);
    }

    /**
     * Plans a merge.
     *
     * @param resolver maps a model as written in the config ({@code PATH} or {@code PATH@REVISION}) to a filesystem path
     * @param opener   opens a model path (directory, file or HF cache repo) as a lazy tensor source
     */
    public static MergekitPlan build(MergeConfig config, long seed, Function<String, Path> resolver,
                                     Function<Path, ModelSource> opener) {
        return build(config, seed, PlanOptions.DEFAULTS, resolver, opener);
    }

    /**
     * Plans a merge with mergekit's command-line choices that change the plan.
     *
     * @param resolver maps a model as written in the config ({@code PATH} or {@code PATH@REVISION}) to a filesystem path
     * @param opener   opens a model path (directory, file or HF cache repo) as a lazy tensor source
     */
    public static MergekitPlan build(MergeConfig config, long seed, PlanOptions options, Function<String, Path> resolver,
                                     Function<Path, ModelSource> opener) {
        MergeMethod method = MergekitMethods.get(config.mergeMethod());
        ParameterDomains.check(config, method);
        DType workingDType = MergekitDTypes.parse(config.dtype(), "dtype");
        DType outDType = MergekitDTypes.parse(config.outDtype(), "out_dtype");

        Map<ModelReference, OpenedModel> models = new LinkedHashMap<>();
        for (ModelReference reference : referencedModels(config)) {
            models.computeIfAbsent(reference, ref -> OpenedModel.open(ref, resolver.apply(written(ref)),
                    ref.lora() == null ? null : resolver.apply(written(ref.lora())), options.loraMergeDType(), opener));
        }
        ModelReference donor = config.baseModel() != null ? config.baseModel() : models.keySet().iterator().next();
        VocabularyMerge vocabulary = config.tokenizer() == null ? null
                : VocabularyMerge.build(config.tokenizer(), donor, models, resolver);
        Architecture architecture = chooseArchitecture(models.values(), options.allowCrimes());
        List<OutputSlice> slices = normalisedSlices(config, models, architecture);
        for (OutputSlice slice : slices) {
            ModelReference base = slice.baseModel() != null ? slice.baseModel() : config.baseModel();
            if (method.requiresBaseModel() && base == null) {
                throw new UserInputException("merge_method '" + method.name() + "' requires 'base_model'");
            }
            for (SliceSource source : slice.sources()) {
                int available = models.get(source.model()).layerCount(architecture);
                if (source.end() > available) {
                    throw new UserInputException("layer_range [" + source.start() + ", " + source.end() + "] of model '"
                            + source.model() + "' exceeds its " + available + " layers");
                }
            }
        }

        TensorPlanner planner = new TensorPlanner(config, method, models, seed, workingDType, outDType, vocabulary,
                NonFiniteInputs.of(options.allowNonFinite()));
        List<TensorJob> jobs = new ArrayList<>();
        OutputSlice first = slices.getFirst();
        OutputSlice last = slices.getLast();
        for (var weight : architecture.preWeights()) {
            planner.plan(weight, weight.name(), first, sourcesAt(first, -1, first.sources().size()), 0.0).ifPresent(jobs::add);
        }
        int outputLayer = 0;
        for (OutputSlice slice : slices) {
            int n = slice.layerCount();
            for (int k = 0; k < n; k++) {
                double t = n > 1 ? (double) k / (n - 1) : 1.0;
                Map<ModelReference, Integer> sources = sourcesAt(slice, k, slice.sources().size());
                for (var template : architecture.layerWeights()) {
                    String outputName = template.atLayer(outputLayer).name();
                    planner.plan(template, outputName, slice, sources, t).ifPresent(jobs::add);
                }
                outputLayer++;
            }
        }
        for (var weight : architecture.postWeights()) {
            planner.plan(weight, weight.name(), last, sourcesAt(last, -1, first.sources().size()), 0.0).ifPresent(jobs::add);
        }

        Map<String, Object> updates = new LinkedHashMap<>();
        if (!config.slices().isEmpty() && architecture.numLayersKey() != null) {
            updates.put(architecture.numLayersKey(), outputLayer);
        }
        if (vocabulary != null) {
            updates.put("vocab_size", vocabulary.rows());
        }
        DType torchDType = outDType != null ? outDType : workingDType;
        String chatTemplate = ChatTemplate.resolve(config.chatTemplate(),
                models.values().stream().map(model -> OpenedModel.modelDirectory(model.path())).toList()).orElse(null);
        return new MergekitPlan(jobs, OpenedModel.modelDirectory(models.get(donor).path()), torchDType, updates,
                vocabulary == null ? Map.of() : vocabulary.files(), config.text(), chatTemplate, config.warnings());
    }

    /**
     * The models read for one tensor, keyed by reference in source order, each with its input layer index
     * ({@code -1} for pre/post weights). A model listed twice keeps its first position and its last layer index.
     * {@code cap} limits the number of sources (post-weights use at most the first slice's source count).
     */
    private static Map<ModelReference, Integer> sourcesAt(OutputSlice slice, int k, int cap) {
        Map<ModelReference, Integer> sources = new LinkedHashMap<>();
        List<SliceSource> list = slice.sources();
        for (int j = 0; j < Math.min(cap, list.size()); j++) {
            sources.put(list.get(j).model(), k < 0 ? -1 : list.get(j).start() + k);
        }
        return sources;
    }

    private static List<ModelReference> referencedModels(MergeConfig config) {
        List<ModelReference> references = new ArrayList<>();
        config.models().forEach(model -> references.add(model.model()));
        config.slices().forEach(slice -> {
            slice.sources().forEach(source -> references.add(source.model()));
            if (slice.baseModel() != null) {
                references.add(slice.baseModel());
            }
        });
        if (config.baseModel() != null) {
            references.add(config.baseModel());
        }
        return references;
    }

    /** A model path as written in the config, with its revision if it has one. */
    private static String written(ModelReference reference) {
        return reference.revision() == null ? reference.path() : reference.path() + "@" + reference.revision();
    }

    /** The architecture all models share; with {@code allowCrimes}, the first model's when they differ (as mergekit). */
    private static Architecture chooseArchitecture(java.util.Collection<OpenedModel> models, boolean allowCrimes) {
        Architecture known = null;
        for (OpenedModel model : models) {
            Optional<Architecture> architecture = model.knownArchitecture();
            if (architecture.isEmpty()) {
                return Architecture.infer(models.stream().map(OpenedModel::tensorNames).toList());
            }
            if (known != null && !known.sameWeights(architecture.get()) && !allowCrimes) {
                throw new UserInputException("models of different architectures cannot be merged: '" + model.reference()
                        + "' is " + model.architectureClass().orElse("?") + " (" + architecture.get().name()
                        + ") but an earlier model is " + known.name() + " (--allow-crimes merges them as the first model's)");
            }
            if (known == null) {
                known = architecture.get();
            }
        }
        return known;
    }

    /** {@code models:} becomes one slice over every model's full layer range, the base appended if unlisted. */
    private static List<OutputSlice> normalisedSlices(MergeConfig config, Map<ModelReference, OpenedModel> models,
                                                      Architecture architecture) {
        if (!config.slices().isEmpty()) {
            return config.slices();
        }
        List<SliceSource> sources = new ArrayList<>();
        config.models().forEach(model -> sources.add(new SliceSource(model.model(), 0,
                models.get(model.model()).layerCount(architecture), model.parameters())));
        ModelReference base = config.baseModel();
        if (base != null && sources.stream().noneMatch(source -> source.model().equals(base))) {
            sources.add(new SliceSource(base, 0, models.get(base).layerCount(architecture), Map.of()));
        }
        for (SliceSource source : sources) {
            if (source.layerCount() != sources.getFirst().layerCount()) {
                throw new UserInputException("models '" + sources.getFirst().model() + "' and '" + source.model()
                        + "' have different layer counts (" + sources.getFirst().layerCount() + " and "
                        + source.layerCount() + ")");
            }
        }
        return List.of(new OutputSlice(sources, null, Map.of()));
    }
}
