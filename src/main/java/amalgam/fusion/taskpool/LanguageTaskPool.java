package amalgam.fusion.taskpool;

import amalgam.model.lm.LmConfig;
import amalgam.model.lm.LoadedLanguageModel;
import amalgam.model.lm.eval.ClassificationTask;
import amalgam.model.lm.eval.LmTask;
import amalgam.model.lm.eval.LmTaskPool;
import amalgam.model.lm.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A language task pool (perplexity, multiple choice, generation, sequence classification; see {@link LmTaskPool})
 * evaluating the causal LMs or sequence classifiers of a run. A fused model is written without its tokenizer, so the
 * tokenizer comes from {@code tokenizerFallback} (the pool's reference model) when the model's folder has none. A
 * model that is not itself a classifier (a merged {@code GPT2Model} backbone, the pretrained GPT-2) is evaluated on a
 * classification task with the head of the task's own classifier in {@code classifiers} (by task name), as
 * FusionBench's GPT-2 GLUE task pool puts the merged backbone into each task's classifier.
 */
public record LanguageTaskPool(LmTaskPool pool, Path tokenizerFallback, Map<String, Path> classifiers) implements TaskPool {
    /** Items per batch when {@code fast_dev_run} cuts item tasks to their first batches. */
    private static final int FAST_DEV_ITEMS_PER_BATCH = 8;

    public static LanguageTaskPool fromDocument(Object document, Path file, Path hubCache) {
        return new LanguageTaskPool(LmTaskPool.fromDocument(document, file, hubCache), null, Map.of());
    }

    /** This pool, taking the tokenizer from {@code modelFolder} for models saved without one. */
    public LanguageTaskPool withTokenizerFallback(Path modelFolder) {
        return new LanguageTaskPool(pool, modelFolder, classifiers);
    }

    /**
     * This pool, its classification tasks without train items given the model pool's {@code train_datasets} of the same
     * name (FusionBench's GPT-2 pools list each task's GLUE train split there: {@code {name: cola, split: train}}).
     */
    public LanguageTaskPool withTrainDatasets(Object poolDocument, Path hubCache) {
        if (!(poolDocument instanceof Map<?, ?> root) || !(root.get("train_datasets") instanceof Map<?, ?> datasets)) {
            return this;
        }
        List<LmTask> tasks = new java.util.ArrayList<>();
        for (LmTask task : pool.tasks()) {
            Object entry = datasets.get(task.name());
            if (task instanceof ClassificationTask classification && classification.train() == null && entry != null) {
                tasks.add(classification.withTrain(LmTaskPool.glueDataset(entry, hubCache, "model pool train_datasets." + task.name())));
            } else {
                tasks.add(task);
            }
        }
        return new LanguageTaskPool(new LmTaskPool(tasks), tokenizerFallback, classifiers);
    }

    /** This pool, with the sequence classifiers whose heads evaluate backbones on their tasks, by task name. */
    public LanguageTaskPool withClassifiers(Map<String, Path> taskClassifiers) {
        return new LanguageTaskPool(pool, tokenizerFallback, Map.copyOf(taskClassifiers));
    }

    @Override
    public List<String> taskNames() {
        return pool.tasks().stream().map(LmTask::name).toList();
    }

    /** The task's settings and the contents of the files it reads. */
    @Override
    public String identity(String taskName) {
        LmTask task = task(taskName);
        StringBuilder identity = new StringBuilder(task.toString());
        for (Path input : task.inputs()) {
            identity.append(" file ").append(TaskIdentity.ofFile(input));
        }
        return identity.toString();
    }

    @Override
    public Map<String, TaskMetrics> evaluate(Path modelDirectory, List<String> names, int threads) {
        List<LmTask> tasks = names.stream().map(this::task).toList();
        Path tokenizerSource = Files.isRegularFile(modelDirectory.resolve(HfTokenizer.FILE)) || tokenizerFallback == null
                ? modelDirectory : tokenizerFallback;
        boolean classifier = LmConfig.namesClassifier(modelDirectory);
        Map<String, TaskMetrics> results = new LinkedHashMap<>();
        LoadedLanguageModel plain = null;
        try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerSource)) {
            for (LmTask task : tasks) {
                Path head = task instanceof ClassificationTask && !classifier ? classifiers.get(task.name()) : null;
                if (head != null) {
                    try (LoadedLanguageModel model = LoadedLanguageModel.headOnBackbone(head, modelDirectory, threads)) {
                        results.put(task.name(), TaskMetrics.ofNamed(task.evaluate(model, tokenizer)));
                    }
                    continue;
                }
                if (plain == null) {
                    plain = LoadedLanguageModel.open(modelDirectory, threads);
                }
                results.put(task.name(), TaskMetrics.ofNamed(task.evaluate(plain, tokenizer)));
            }
        } finally {
            if (plain != null) {
                plain.close();
            }
        }
        return results;
    }

    /** Language tasks have no validation splits. */
    @Override
    public Optional<LanguageTaskPool> onValidation() {
        return Optional.empty();
    }

    @Override
    public LanguageTaskPool firstBatches(int batches) {
        int items = Math.multiplyExact(batches, FAST_DEV_ITEMS_PER_BATCH);
        return new LanguageTaskPool(new LmTaskPool(pool.tasks().stream().map(task -> task.firstItems(items)).toList()), tokenizerFallback,
                classifiers);
    }

    private LmTask task(String name) {
        return pool.tasks().stream().filter(task -> task.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no task '" + name + "' in the language task pool"));
    }
}
