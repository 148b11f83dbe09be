package amalgam.model.lm.eval;

import amalgam.UserInputException;
import amalgam.io.HubCache;
import amalgam.io.YamlDocuments;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A language task pool file: {@code tasks:} a list of tasks, each with a {@code name} and a {@code type}, paths taken
 * from the file's folder.
 * <pre>
 * tasks:
 *   - name: wiki
 *     type: perplexity
 *     files: [wiki.test.txt]       # each file one text
 *     max_length: 512              # window (default: the model's positions, at most 1024)
 *     stride: 256                  # default: half the window
 *     add_special_tokens: true     # default true, as the tokenizer's __call__
 *   - name: arc_easy
 *     type: multiple_choice
 *     file: arc_easy.jsonl         # {"context": ..., "choices": [...], "gold": i} per line
 *     limit: 200                   # the first 200 items (default: all)
 *     target_delimiter: " "        # between context and choice (default " ", as the harness)
 *   - name: arithmetic
 *     type: generation
 *     file: sums.jsonl             # {"prompt": ..., "answer": ...} per line
 *     max_new_tokens: 16           # default 32
 *     stop: ["\n"]                 # strings that end an answer (default: a newline)
 *     chat: true                   # each prompt a user message in the model's chat template (default false)
 *   - name: sst2
 *     type: classification         # a sequence classifier (GPT2ForSequenceClassification)
 *     file: sst2.jsonl             # {"text": ..., "label": i} (and "text_pair" for pairs) per line
 *     pair_separator: " "          # join text and text_pair into one text (default: encoded as a pair)
 *     max_length: 512              # at most the first 512 tokens of an item (default: the model's positions)
 *     batch_size: 8                # items per batch of the loss's mean (default 8, as FusionBench)
 *     train: sst2.train.jsonl      # train items, for data-dependent merging methods (optional)
 *   - name: rte
 *     type: classification
 *     glue: rte                    # instead of file/train: GLUE's rte from the Hugging Face datasets cache
 *     split: validation            # default validation
 *     train_split: train           # train items (optional)
 * </pre>
 */
public record LmTaskPool(List<LmTask> tasks) {
    private static final String GLUE_TASK_POOL = "GPT2TextClassificationTaskPool";
    private static final Set<String> GLUE_KEYS = Set.of("_target_", "_dataset_loader", "_recursive_", "_usage_", "_version_",
            "test_datasets", "train_datasets", "tokenizer", "dataloader_kwargs", "fast_dev_run", "base_model");
    /** FusionBench's GPT-2 tokenizer truncates to {@code model_max_length} 512. */
    static final int FUSIONBENCH_GPT2_MAX_LENGTH = 512;
    private static final Set<String> PERPLEXITY_KEYS = Set.of("name", "type", "files", "max_length", "stride", "add_special_tokens");
    private static final Set<String> CHOICE_KEYS = Set.of("name", "type", "file", "limit", "target_delimiter");
    private static final Set<String> CLASSIFICATION_KEYS = Set.of("name", "type", "file", "limit", "pair_separator",
            "add_special_tokens", "max_length", "batch_size", "train", "glue", "split", "train_split");
    private static final Set<String> GENERATION_KEYS = Set.of("name", "type", "file", "limit", "max_new_tokens", "stop",
            "add_special_tokens", "chat");

    public LmTaskPool {
        tasks = List.copyOf(tasks);
    }

    public static LmTaskPool read(Path file) {
        return fromDocument(YamlDocuments.read(file, "language task pool"), file, HubCache.folder());
    }

    /**
     * Whether a task pool document is a language task pool: its {@code tasks} are a list (an image pool's, a mapping),
     * or it is FusionBench's GPT-2 GLUE task pool.
     */
    public static boolean isLanguageTaskPool(Object document) {
        return document instanceof Map<?, ?> root && (root.get("tasks") instanceof List<?> || isFusionBenchGlue(root));
    }

    private static boolean isFusionBenchGlue(Map<?, ?> root) {
        return root.get("_target_") instanceof String target && target.endsWith(GLUE_TASK_POOL);
    }

    /**
     * FusionBench's {@code GPT2TextClassificationTaskPool} ({@code taskpool=gpt-2_glue}): one classification task per
     * {@code test_datasets} entry, its GLUE split ({@code name}, {@code split}) read from the Hugging Face datasets
     * cache, tokenized as FusionBench's GPT-2 tokenizer does (truncated to 512 tokens, pairs as pairs), the loss over
     * batches of {@code dataloader_kwargs.batch_size}; a task's {@code train_datasets} entry (the model pool's, which a
     * run copies into the task pool) gives its train items. Its {@code tokenizer} is the pool's GPT-2 tokenizer (the run
     * takes the pretrained model's); {@code fast_dev_run} is the run's.
     */
    private static LmTaskPool fromFusionBenchGlue(Map<?, ?> root, Path hubCache, String where) {
        for (Object key : root.keySet()) {
            if (!GLUE_KEYS.contains(String.valueOf(key))) {
                throw new UserInputException(where + ": unknown key '" + key + "' of FusionBench's GPT-2 task pool (known: "
                        + GLUE_KEYS.stream().sorted().toList() + ")");
            }
        }
        if (!(root.get("test_datasets") instanceof Map<?, ?> datasets) || datasets.isEmpty()) {
            throw new UserInputException(where + ": 'test_datasets' must map each task to its GLUE {name, split}");
        }
        int batchSize = ClassificationTask.DEFAULT_BATCH_SIZE;
        if (root.get("dataloader_kwargs") instanceof Map<?, ?> loader && loader.get("batch_size") != null) {
            Integer size = integer(loader, "batch_size", where + ", dataloader_kwargs");
            if (size < 1) {
                throw new UserInputException(where + ": dataloader_kwargs.batch_size must be at least 1, got " + size);
            }
            batchSize = size;
        }
        List<LmTask> tasks = new ArrayList<>();
        for (Map.Entry<?, ?> entry : datasets.entrySet()) {
            String task = String.valueOf(entry.getKey());
            ClassificationItems.Glue test = glueDataset(entry.getValue(), hubCache, where + ", test_datasets." + task);
            // the model pool's train split of the task, which a run copies here for the data-dependent methods
            Object trainEntry = root.get("train_datasets") instanceof Map<?, ?> train ? train.get(task) : null;
            ClassificationItems.Glue trainItems = trainEntry == null ? null
                    : glueDataset(trainEntry, hubCache, where + ", train_datasets." + task);
            tasks.add(new ClassificationTask(task, test, null, null, true, FUSIONBENCH_GPT2_MAX_LENGTH, batchSize, trainItems));
        }
        return new LmTaskPool(tasks);
    }

    /** A FusionBench GLUE dataset entry ({@code name}, {@code split}; {@code _target_} names its loader). */
    public static ClassificationItems.Glue glueDataset(Object entry, Path hubCache, String where) {
        if (!(entry instanceof Map<?, ?> fields) || !(fields.get("name") instanceof String name)) {
            throw new UserInputException(where + ": a GLUE dataset is {name: TASK, split: SPLIT}");
        }
        Object split = fields.get("split");
        if (split != null && !(split instanceof String)) {
            throw new UserInputException(where + ": 'split' must be a split name");
        }
        return new ClassificationItems.Glue(hubCache, name, split == null ? "validation" : (String) split);
    }

    /** The pool from the parsed YAML of {@code file} (perhaps changed by command-line overrides); paths from its folder. */
    public static LmTaskPool fromDocument(Object document, Path file, Path hubCache) {
        String where = "language task pool '" + file + "'";
        if (document instanceof Map<?, ?> fusionBench && isFusionBenchGlue(fusionBench)) {
            return fromFusionBenchGlue(fusionBench, hubCache, where);
        }
        if (!(document instanceof Map<?, ?> root) || !(root.get("tasks") instanceof List<?> entries) || entries.isEmpty()) {
            throw new UserInputException(where + " must be a mapping with a non-empty list 'tasks'");
        }
        for (Object key : root.keySet()) {
            if (!"tasks".equals(key)) {
                throw new UserInputException(where + ": unknown key '" + key + "' (a language task pool has only 'tasks')");
            }
        }
        Path folder = file.toAbsolutePath().getParent();
        List<LmTask> tasks = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> task)) {
                throw new UserInputException(where + ": every task is a mapping with 'name' and 'type'");
            }
            String name = text(task, "name", where);
            if (!names.add(name)) {
                throw new UserInputException(where + ": task '" + name + "' appears twice");
            }
            String context = where + ", task '" + name + "'";
            String type = text(task, "type", context);
            tasks.add(switch (type) {
                case "perplexity" -> {
                    checkKeys(task, PERPLEXITY_KEYS, context);
                    if (!(task.get("files") instanceof List<?> files)) {
                        throw new UserInputException(context + ": 'files' must list the text files");
                    }
                    List<Path> paths = new ArrayList<>();
                    for (Object path : files) {
                        paths.add(folder.resolve(String.valueOf(path)));
                    }
                    yield new PerplexityTask(name, paths, integer(task, "max_length", context), integer(task, "stride", context),
                            flag(task, "add_special_tokens", true, context));
                }
                case "multiple_choice" -> {
                    checkKeys(task, CHOICE_KEYS, context);
                    Object delimiter = task.containsKey("target_delimiter") ? task.get("target_delimiter") : " ";
                    yield new MultipleChoiceTask(name, folder.resolve(text(task, "file", context)), integer(task, "limit", context),
                            String.valueOf(delimiter));
                }
                case "generation" -> {
                    checkKeys(task, GENERATION_KEYS, context);
                    Integer maxNewTokens = integer(task, "max_new_tokens", context);
                    yield new GenerationTask(name, folder.resolve(text(task, "file", context)), integer(task, "limit", context),
                            maxNewTokens == null ? 32 : maxNewTokens, stops(task, context),
                            flag(task, "add_special_tokens", true, context),
                            flag(task, "chat", false, context));
                }
                case "classification" -> {
                    checkKeys(task, CLASSIFICATION_KEYS, context);
                    Object separator = task.get("pair_separator");
                    if (separator != null && !(separator instanceof String)) {
                        throw new UserInputException(context + ": 'pair_separator' must be a string");
                    }
                    Integer batchSize = integer(task, "batch_size", context);
                    ClassificationItems test;
                    ClassificationItems train = null;
                    if (task.containsKey("glue")) {
                        if (task.containsKey("file") || task.containsKey("train")) {
                            throw new UserInputException(context + ": give 'glue' (a cached GLUE task) or 'file'/'train', not both");
                        }
                        String glue = text(task, "glue", context);
                        test = new ClassificationItems.Glue(hubCache, glue, task.containsKey("split") ? text(task, "split", context) : "validation");
                        if (task.containsKey("train_split")) {
                            train = new ClassificationItems.Glue(hubCache, glue, text(task, "train_split", context));
                        }
                    } else {
                        if (task.containsKey("split") || task.containsKey("train_split")) {
                            throw new UserInputException(context + ": 'split' and 'train_split' go with 'glue'");
                        }
                        test = new ClassificationItems.JsonLinesFile(folder.resolve(text(task, "file", context)));
                        if (task.containsKey("train")) {
                            train = new ClassificationItems.JsonLinesFile(folder.resolve(text(task, "train", context)));
                        }
                    }
                    yield new ClassificationTask(name, test, integer(task, "limit", context), (String) separator,
                            flag(task, "add_special_tokens", true, context), integer(task, "max_length", context),
                            batchSize == null ? ClassificationTask.DEFAULT_BATCH_SIZE : batchSize, train);
                }
                default -> throw new UserInputException(context + ": type '" + type + "' is not one of perplexity, multiple_choice,"
                        + " generation, classification");
            });
        }
        return new LmTaskPool(tasks);
    }

    private static List<String> stops(Map<?, ?> task, String where) {
        Object stop = task.containsKey("stop") ? task.get("stop") : List.of("\n");
        if (!(stop instanceof List<?> list) || list.stream().anyMatch(element -> !(element instanceof String))) {
            throw new UserInputException(where + ": 'stop' must be a list of strings");
        }
        return list.stream().map(String::valueOf).toList();
    }

    private static void checkKeys(Map<?, ?> task, Set<String> allowed, String where) {
        for (Object key : task.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new UserInputException(where + ": unknown key '" + key + "' (allowed: " + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static String text(Map<?, ?> task, String key, String where) {
        if (!(task.get(key) instanceof String value) || value.isBlank()) {
            throw new UserInputException(where + ": '" + key + "' must be a non-empty string");
        }
        return value;
    }

    private static boolean flag(Map<?, ?> task, String key, boolean absent, String where) {
        Object value = task.get(key);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof Boolean flag)) {
            throw new UserInputException(where + ": '" + key + "' must be true or false, got " + value);
        }
        return flag;
    }

    private static Integer integer(Map<?, ?> task, String key, String where) {
        Object value = task.get(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Integer number)) {
            throw new UserInputException(where + ": '" + key + "' must be an integer, got " + value);
        }
        return number;
    }
}
