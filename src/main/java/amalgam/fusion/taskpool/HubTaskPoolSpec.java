package amalgam.fusion.taskpool;

import amalgam.UserInputException;
import amalgam.data.hub.HubDatasetSplit;
import amalgam.data.hub.RandomSubset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A task pool document of FusionBench's {@code CLIPVisionModelTaskPool} shape, composed and resolved (no
 * {@code defaults:}, no {@code ${...}} left), read into typed values:
 * <pre>
 * _target_: fusion_bench.taskpool.CLIPVisionModelTaskPool     # optional
 * test_datasets:                                              # task: datasets.load_dataset arguments
 *   sun397: {_target_: datasets.load_dataset, path: tanganke/sun397, split: test}
 *   svhn: {_target_: datasets.load_dataset, _args_: [ufldl-stanford/svhn, cropped_digits], split: test}
 * train_datasets: {...}                                       # optional, same shape (data-dependent methods)
 * val_datasets: {...}                                         # optional, same shape (model selection)
 * base_model: openai/clip-vit-base-patch32                    # hub id or path
 * clip_model: {pretrained_model_name_or_path: ...}            # optional, default base_model: builds the heads
 * processor: {pretrained_model_name_or_path: ...}             # optional, default base_model: preprocessor_config.json
 * dataloader_kwargs: {batch_size: 128}                        # optional; shuffle and drop_last must stay false
 * templates: {my_task: ["a photo of a {}."]}                  # amalgam: prompts of tasks outside TALL20
 * </pre>
 * Keys FusionBench uses only for its runtime ({@code num_workers}, {@code pin_memory}, {@code move_to_device},
 * layer-wise feature options other than the save path) are accepted and ignored; other keys are errors.
 *
 * @param tasks      the tasks in document order
 * @param clipModel  the CLIPModel the zero-shot heads come from (hub id or path as written)
 * @param processor  the model whose {@code preprocessor_config.json} preprocesses images (as written)
 * @param batchSize  evaluation batch size (FusionBench's default 128)
 * @param templates  prompt templates given in the document, by task
 */
public record HubTaskPoolSpec(Map<String, TaskSplits> tasks, String clipModel, String processor, int batchSize,
                              Map<String, List<String>> templates) {
    /** A task's splits; train and val may be null. */
    public record TaskSplits(HubDatasetSplit test, HubDatasetSplit train, HubDatasetSplit val) {
    }

    private static final Set<String> KEYS = Set.of("_target_", "_recursive_", "test_datasets", "train_datasets",
            "val_datasets", "base_model", "clip_model", "processor", "data_processor", "dataloader_kwargs",
            "layer_wise_feature_save_path", "layer_wise_feature_first_token_only", "layer_wise_feature_max_num",
            "fast_dev_run", "move_to_device", "templates");
    private static final Set<String> TARGETS = Set.of("fusion_bench.taskpool.CLIPVisionModelTaskPool",
            "fusion_bench.taskpool.clip_vision.CLIPVisionModelTaskPool",
            "fusion_bench.taskpool.clip_vision.taskpool.CLIPVisionModelTaskPool");
    private static final Set<String> DATASET_KEYS = Set.of("_target_", "path", "_args_", "name", "split", "revision");
    private static final Set<String> LOADER_KEYS = Set.of("batch_size", "num_workers", "pin_memory", "drop_last", "shuffle");
    private static final int FUSION_BENCH_BATCH = 128;
    private static final String FER2013_LOADER = "fusion_bench.dataset.fer2013.load_fer2013";
    private static final String FER2013_DATASET = "clip-benchmark/wds_fer2013";
    private static final String RANDOM_SPLIT = "fusion_bench.utils.data.train_validation_split";

    /** Whether {@code document} is of this shape (it has {@code test_datasets}) rather than amalgam's {@code tasks:}. */
    public static boolean matches(Map<String, ?> document) {
        return document.containsKey("test_datasets");
    }

    /** Reads a document; {@code where} names it in errors (its file, or "task pool"). */
    public static HubTaskPoolSpec parse(Map<String, ?> document, String where) {
        for (String key : document.keySet()) {
            if (!KEYS.contains(key)) {
                throw new UserInputException(where + ": unknown key '" + key + "' (valid: " + String.join(", ",
                        KEYS.stream().sorted().toList()) + ")");
            }
        }
        Object target = document.get("_target_");
        if (target != null && !TARGETS.contains(String.valueOf(target))) {
            throw new UserInputException(where + ": _target_ '" + target + "' is not supported; amalgam evaluates"
                    + " fusion_bench.taskpool.CLIPVisionModelTaskPool task pools");
        }
        if (document.get("layer_wise_feature_save_path") != null) {
            throw new UserInputException(where + ": layer_wise_feature_save_path is not supported (saving features); set it to null");
        }
        if (Boolean.TRUE.equals(document.get("fast_dev_run"))) {
            throw new UserInputException(where + ": fast_dev_run is not supported (it evaluates a few batches only)");
        }
        Map<String, TaskSplits> tasks = tasks(document, where);
        String base = document.get("base_model") == null ? null : text(document.get("base_model"), where + ": base_model");
        String clipModel = modelOf(document.get("clip_model"), base, where + ": clip_model");
        String processor = modelOf(document.get("processor"), base, where + ": processor");
        Object dataProcessor = document.get("data_processor");
        if (dataProcessor != null && !dataProcessor.equals(document.get("processor"))
                && !Objects.equals(modelOf(dataProcessor, base, where + ": data_processor"), processor)) {
            throw new UserInputException(where + ": data_processor differs from processor; amalgam preprocesses images with"
                    + " one processor");
        }
        return new HubTaskPoolSpec(tasks, clipModel, processor, batchSize(document.get("dataloader_kwargs"), where),
                templates(document.get("templates"), where));
    }

    private static Map<String, TaskSplits> tasks(Map<String, ?> document, String where) {
        if (!(document.get("test_datasets") instanceof Map<?, ?> test) || test.isEmpty()) {
            throw new UserInputException(where + ": test_datasets must map each task to its dataset {path, split}");
        }
        Map<?, ?> train = splitsMap(document.get("train_datasets"), "train_datasets", where);
        Map<?, ?> val = splitsMap(document.get("val_datasets"), "val_datasets", where);
        for (Map<?, ?> other : List.of(train, val)) {
            for (Object task : other.keySet()) {
                if (!test.containsKey(task)) {
                    throw new UserInputException(where + ": task '" + task + "' has a train or val dataset but none in test_datasets");
                }
            }
        }
        Map<String, TaskSplits> tasks = new LinkedHashMap<>();
        test.forEach((task, entry) -> {
            String name = String.valueOf(task);
            tasks.put(name, new TaskSplits(dataset(entry, where + ": test_datasets." + name),
                    train.containsKey(task) ? dataset(train.get(task), where + ": train_datasets." + name) : null,
                    val.containsKey(task) ? dataset(val.get(task), where + ": val_datasets." + name) : null));
        });
        return tasks;
    }

    private static Map<?, ?> splitsMap(Object value, String key, String where) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new UserInputException(where + ": " + key + " must map each task to its dataset {path, split}");
        }
        return map;
    }

    /** A {@code datasets.load_dataset(path, name, split=..., revision=...)} call written as YAML. */
    static HubDatasetSplit dataset(Object value, String where) {
        if (!(value instanceof Map<?, ?> entry)) {
            throw new UserInputException(where + " must be a mapping {_target_: datasets.load_dataset, path, split}");
        }
        if (FER2013_LOADER.equals(entry.get("_target_"))) {
            return fer2013(entry, where);
        }
        if (RANDOM_SPLIT.equals(entry.get("_target_"))) {
            return randomSplit(entry, where);
        }
        for (Object key : entry.keySet()) {
            if (!DATASET_KEYS.contains(String.valueOf(key))) {
                throw new UserInputException(where + ": unknown key '" + key + "' (valid: " + String.join(", ",
                        DATASET_KEYS.stream().sorted().toList()) + ")");
            }
        }
        Object target = entry.get("_target_");
        if (target != null && !"datasets.load_dataset".equals(target)) {
            throw new UserInputException(where + ": _target_ '" + target + "' is not supported; amalgam reads datasets the"
                    + " way datasets.load_dataset does (from the local Hugging Face cache), nothing else");
        }
        List<?> arguments = entry.get("_args_") == null ? List.of()
                : entry.get("_args_") instanceof List<?> list ? list : List.of(entry.get("_args_"));
        if (arguments.size() > 2 || (!arguments.isEmpty() && entry.containsKey("path"))
                || (arguments.size() == 2 && entry.containsKey("name"))) {
            throw new UserInputException(where + ": give the dataset as path (and name) once, in _args_ [path, name] or as keys");
        }
        Object path = arguments.isEmpty() ? entry.get("path") : arguments.getFirst();
        Object name = arguments.size() == 2 ? arguments.get(1) : entry.get("name");
        if (path == null || entry.get("split") == null) {
            throw new UserInputException(where + " needs the dataset's path (its hub id) and split");
        }
        return new HubDatasetSplit(text(path, where + ": path"), name == null ? null : text(name, where + ": name"),
                text(entry.get("split"), where + ": split"),
                entry.get("revision") == null ? null : text(entry.get("revision"), where + ": revision"));
    }

    /**
     * FusionBench's {@code fusion_bench.utils.data.train_validation_split(dataset, validation_fraction, validation_size,
     * random_seed, return_split)} (its {@code val_datasets}): one part of a seeded random split of a dataset.
     */
    private static HubDatasetSplit randomSplit(Map<?, ?> entry, String where) {
        for (Object key : entry.keySet()) {
            if (!Set.of("_target_", "dataset", "validation_fraction", "validation_size", "random_seed", "return_split")
                    .contains(String.valueOf(key))) {
                throw new UserInputException(where + ": unknown key '" + key + "' for train_validation_split");
            }
        }
        if (!(entry.get("random_seed") instanceof Number seed)) {
            throw new UserInputException(where + ": train_validation_split needs an integer random_seed (without one, FusionBench"
                    + " draws a different split every run)");
        }
        Object part = entry.get("return_split");
        if (!"val".equals(part) && !"train".equals(part)) {
            throw new UserInputException(where + ": return_split must be 'train' or 'val', got '" + part + "'");
        }
        Double fraction = entry.get("validation_fraction") instanceof Number number ? number.doubleValue() : null;
        Integer size = entry.get("validation_size") instanceof Number number ? number.intValue() : null;
        HubDatasetSplit source = dataset(entry.get("dataset"), where + ".dataset");
        if (source.subset() != null) {
            throw new UserInputException(where + ": a random split of a random split is not supported");
        }
        return source.withSubset(new RandomSubset(fraction, size, seed.longValue(), "val".equals(part)));
    }

    /**
     * FusionBench's {@code fusion_bench.dataset.fer2013.load_fer2013(path, split)}: the WebDataset
     * {@code clip-benchmark/wds_fer2013} (by default), its {@code jpg} and {@code cls} members the image and label.
     */
    private static HubDatasetSplit fer2013(Map<?, ?> entry, String where) {
        for (Object key : entry.keySet()) {
            if (!Set.of("_target_", "path", "split").contains(String.valueOf(key))) {
                throw new UserInputException(where + ": unknown key '" + key + "' for load_fer2013 (valid: path, split)");
            }
        }
        Object path = entry.get("path") == null ? FER2013_DATASET : entry.get("path");
        Object split = entry.get("split") == null ? "train" : entry.get("split");
        return new HubDatasetSplit(text(path, where + ": path"), null, text(split, where + ": split"), null,
                HubDatasetSplit.Format.WEBDATASET);
    }

    /** A model written as a string or as {@code {_target_: ...from_pretrained, pretrained_model_name_or_path: X}}. */
    private static String modelOf(Object value, String base, String where) {
        Object model = value instanceof Map<?, ?> call ? call.get("pretrained_model_name_or_path") : value;
        if (value instanceof Map<?, ?> call) {
            for (Object key : call.keySet()) {
                if (!Set.of("_target_", "pretrained_model_name_or_path").contains(String.valueOf(key))) {
                    throw new UserInputException(where + ": unknown key '" + key + "' (valid: _target_, pretrained_model_name_or_path)");
                }
            }
            Object target = call.get("_target_");
            if (target != null && !String.valueOf(target).startsWith("transformers.CLIP")) {
                throw new UserInputException(where + ": _target_ '" + target + "' is not supported (a transformers CLIP"
                        + " model or processor's from_pretrained is)");
            }
        }
        if (model == null) {
            if (base == null) {
                throw new UserInputException(where + ": no model given, and no base_model to default to");
            }
            return base;
        }
        return text(model, where);
    }

    private static int batchSize(Object value, String where) {
        if (value == null) {
            return FUSION_BENCH_BATCH;
        }
        if (!(value instanceof Map<?, ?> kwargs)) {
            throw new UserInputException(where + ": dataloader_kwargs must be a mapping");
        }
        for (Object key : kwargs.keySet()) {
            if (!LOADER_KEYS.contains(String.valueOf(key))) {
                throw new UserInputException(where + ": dataloader_kwargs: unknown key '" + key + "' (valid: "
                        + String.join(", ", LOADER_KEYS.stream().sorted().toList()) + ")");
            }
        }
        for (String fixed : List.of("shuffle", "drop_last")) {
            if (Boolean.TRUE.equals(kwargs.get(fixed))) {
                throw new UserInputException(where + ": dataloader_kwargs." + fixed + " must be false: evaluation reads every"
                        + " image, in dataset order");
            }
        }
        Object batch = kwargs.get("batch_size");
        if (batch == null) {
            return FUSION_BENCH_BATCH;
        }
        if (!(batch instanceof Integer size) || size < 1) {
            throw new UserInputException(where + ": dataloader_kwargs.batch_size must be a positive integer, got " + batch);
        }
        return size;
    }

    private static Map<String, List<String>> templates(Object value, String where) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> byTask)) {
            throw new UserInputException(where + ": templates must map a task to its list of prompts");
        }
        Map<String, List<String>> templates = new LinkedHashMap<>();
        byTask.forEach((task, prompts) -> {
            if (!(prompts instanceof List<?> list) || list.isEmpty()
                    || !list.stream().allMatch(p -> p instanceof String s && s.contains("{}"))) {
                throw new UserInputException(where + ": templates." + task + " must be a list of prompts, each with one {}"
                        + " where the class name goes");
            }
            templates.put(String.valueOf(task), list.stream().map(String::valueOf).toList());
        });
        return templates;
    }

    private static String text(Object value, String where) {
        if (!(value instanceof String text) || text.isBlank()) {
            throw new UserInputException(where + " must be a non-empty string, got " + value);
        }
        return text;
    }
}
