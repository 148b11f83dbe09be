package amalgam.model.lm.eval;

import amalgam.UserInputException;
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
 * </pre>
 */
public record LmTaskPool(List<LmTask> tasks) {
    private static final Set<String> PERPLEXITY_KEYS = Set.of("name", "type", "files", "max_length", "stride", "add_special_tokens");
    private static final Set<String> CHOICE_KEYS = Set.of("name", "type", "file", "limit", "target_delimiter");
    private static final Set<String> CLASSIFICATION_KEYS = Set.of("name", "type", "file", "limit", "pair_separator",
            "add_special_tokens", "max_length", "batch_size", "train");
    private static final Set<String> GENERATION_KEYS = Set.of("name", "type", "file", "limit", "max_new_tokens", "stop",
            "add_special_tokens", "chat");

    public LmTaskPool {
        tasks = List.copyOf(tasks);
    }

    public static LmTaskPool read(Path file) {
        return fromDocument(YamlDocuments.read(file, "language task pool"), file);
    }

    /** Whether a task pool document is a language task pool: its {@code tasks} are a list (an image pool's, a mapping). */
    public static boolean isLanguageTaskPool(Object document) {
        return document instanceof Map<?, ?> root && root.get("tasks") instanceof List<?>;
    }

    /** The pool from the parsed YAML of {@code file} (perhaps changed by command-line overrides); paths from its folder. */
    public static LmTaskPool fromDocument(Object document, Path file) {
        String where = "language task pool '" + file + "'";
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
                    yield new ClassificationTask(name, folder.resolve(text(task, "file", context)), integer(task, "limit", context),
                            (String) separator, flag(task, "add_special_tokens", true, context), integer(task, "max_length", context),
                            batchSize == null ? ClassificationTask.DEFAULT_BATCH_SIZE : batchSize,
                            task.containsKey("train") ? folder.resolve(text(task, "train", context)) : null);
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
