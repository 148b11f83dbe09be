package amalgam.fusion.taskpool;

import amalgam.UserInputException;
import amalgam.data.ImageFolderDataset;
import amalgam.data.LabelledImages;
import amalgam.data.image.ClipImageProcessor;
import amalgam.data.image.PixelNormalization;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipImageEncoder;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipVisionFamily;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.CorrectedEmbedder;
import amalgam.model.clip.EnsembleCheckpoint;
import amalgam.model.clip.FeatureCorrection;
import amalgam.model.clip.ImageEmbedder;
import amalgam.tensor.Tensor;
import amalgam.model.clip.ZeroShotHead;
import amalgam.model.moe.MixtureLinears;
import amalgam.model.moe.MixtureMlps;
import amalgam.nn.Graph;
import amalgam.parallel.Lanes;
import amalgam.parallel.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.TensorParameters;
import amalgam.nn.Var;
import java.lang.foreign.Arena;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.Map;
import java.util.Set;

/**
 * An image-classification task pool for CLIP vision models: named test splits, each with its zero-shot head. From
 * YAML:
 * <pre>
 * tasks:
 *   pets: {data: path/to/image-folder, head: path/to/head.safetensors}
 * preprocessor: path/to/preprocessor_config.json   # optional; without it images must have the model's size
 * batch_size: 64                                   # optional (FusionBench evaluates in batches of 128)
 * </pre>
 * Paths are relative to the YAML file. A model is evaluated by its directory (config.json + safetensors with the
 * vision tower and visual_projection); each task's logits come from its head. Tasks are evaluated in parallel lanes,
 * one task per lane, each with the threads left over ({@link ClipImageEncoder}, whose embeddings do not depend on
 * the thread count), so a task's metrics never depend on the thread count.
 */
public final class ImageTaskPool implements TaskPool {
    /**
     * One task.
     *
     * @param data     the test split: what evaluation reads, and nothing ever trains or selects on
     * @param identity what the task's data and head are, for caching results (changes when either does)
     * @param train    the train split data-dependent methods read (null: none given)
     * @param val      the validation split model selection reads (null: none given)
     */
    public record Task(String name, LabelledImages data, Path head, String identity, LabelledImages train, LabelledImages val) {
        /** A task with a test split only. */
        public Task(String name, LabelledImages data, Path head, String identity) {
            this(name, data, head, identity, null, null);
        }

        /** The split asked for, or a bad-input error naming the task when the pool does not give it. */
        public LabelledImages split(Split split) {
            LabelledImages images = switch (split) {
                case TRAIN -> train;
                case VAL -> val;
                case TEST -> data;
            };
            if (images == null) {
                throw new UserInputException("task '" + name + "' of the task pool has no '" + split.key() + "' split");
            }
            return images;
        }
    }

    /** A task's splits, by their task pool key. */
    public enum Split {
        TRAIN("train"), VAL("val"), TEST("test");

        private final String key;

        Split(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    private static final Set<String> TASK_KEYS = Set.of("train", "val", "test", "data", "head");

    private final List<Task> tasks;
    private final Path preprocessor;
    private final int batchSize;
    private final Path projectionFallback;
    private String projectionDigest;

    private ImageTaskPool(List<Task> tasks, Path preprocessor, int batchSize) {
        this(tasks, preprocessor, batchSize, null);
    }

    private ImageTaskPool(List<Task> tasks, Path preprocessor, int batchSize, Path projectionFallback) {
        this.tasks = List.copyOf(tasks);
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
        this.projectionFallback = projectionFallback;
    }

    /**
     * This pool evaluating every task on its validation split instead of its test split (model selection), or empty
     * when some task has no {@code val} split.
     */
    @Override
    public java.util.Optional<ImageTaskPool> onValidation() {
        if (tasks.stream().anyMatch(task -> task.val() == null)) {
            return java.util.Optional.empty();
        }
        List<Task> validation = tasks.stream().map(task -> new Task(task.name(), task.val(), task.head(), task.identity() + " val",
                task.train(), task.val())).toList();
        return java.util.Optional.of(new ImageTaskPool(validation, preprocessor, batchSize, projectionFallback));
    }

    /**
     * This pool cut to the first {@code batches} batches of every split: FusionBench's {@code fast_dev_run}, a quick
     * check that a configuration runs end to end. Results are not the benchmark's and are cached apart from it.
     */
    @Override
    public ImageTaskPool firstBatches(int batches) {
        int count = Math.multiplyExact(batches, batchSize);
        List<Task> cut = tasks.stream().map(task -> new Task(task.name(), task.data().first(count), task.head(),
                task.identity() + " first " + count, task.train() == null ? null : task.train().first(count),
                task.val() == null ? null : task.val().first(count))).toList();
        return new ImageTaskPool(cut, preprocessor, batchSize, projectionFallback);
    }

    /**
     * This pool, evaluating a vision tower without its own visual_projection (a {@code CLIPVisionModel}) with the one in
     * the checkpoint at {@code checkpointDirectory} (the pretrained CLIP's, as FusionBench's CLIP task pools do).
     */
    public ImageTaskPool withProjectionFallback(Path checkpointDirectory) {
        return new ImageTaskPool(tasks, preprocessor, batchSize, checkpointDirectory);
    }

    /** A pool of tasks whose images already have the model's size, normalized with CLIP's statistics. */
    public static ImageTaskPool of(List<Task> tasks, int batchSize) {
        return new ImageTaskPool(tasks, null, batchSize);
    }

    /**
     * A pool whose images are preprocessed as the Hugging Face (slow) CLIP image processor configured by
     * {@code preprocessor} ({@code preprocessor_config.json}) does.
     */
    public static ImageTaskPool of(List<Task> tasks, Path preprocessor, int batchSize) {
        return new ImageTaskPool(tasks, preprocessor, batchSize);
    }

    /** A pool from the parsed YAML of {@code file} (perhaps changed by command-line overrides). */
    public static ImageTaskPool fromDocument(Object document, Path file) {
        if (!(document instanceof Map<?, ?> root) || !(root.get("tasks") instanceof Map<?, ?> entries) || entries.isEmpty()) {
            throw new UserInputException("task pool '" + file + "' needs a 'tasks:' mapping of name: {data, head}");
        }
        for (Object key : root.keySet()) {
            if (!Set.of("tasks", "preprocessor", "batch_size").contains(String.valueOf(key))) {
                throw new UserInputException("task pool '" + file + "': unknown key '" + key + "' (valid: tasks, preprocessor, batch_size)");
            }
        }
        Path directory = file.toAbsolutePath().getParent();
        Path preprocessor = root.get("preprocessor") instanceof String p ? resolve(directory, p, file, "preprocessor") : null;
        int batch = root.get("batch_size") instanceof Integer b && b > 0 ? b : 64;
        List<Task> tasks = new ArrayList<>();
        entries.forEach((name, value) -> tasks.add(task(String.valueOf(name), value, directory, file, preprocessor)));
        return new ImageTaskPool(tasks, preprocessor, batch);
    }

    /**
     * A task entry: {@code head} and a {@code test} split ({@code data} is its other name, as in earlier pools), with
     * optional {@code train} and {@code val} splits; each split an image folder in torchvision ImageFolder order.
     */
    private static Task task(String name, Object value, Path directory, Path file, Path preprocessor) {
        if (!(value instanceof Map<?, ?> entry)) {
            throw new UserInputException("task pool '" + file + "': task '" + name + "' needs a mapping of test (or data), head"
                    + " and optionally train, val");
        }
        for (Object key : entry.keySet()) {
            if (!TASK_KEYS.contains(String.valueOf(key))) {
                throw new UserInputException("task pool '" + file + "': task '" + name + "': unknown key '" + key
                        + "' (valid: " + String.join(", ", TASK_KEYS.stream().sorted().toList()) + ")");
            }
        }
        if (entry.containsKey("data") && entry.containsKey("test")) {
            throw new UserInputException("task pool '" + file + "': task '" + name + "' gives both 'data' and 'test' (the same split)");
        }
        Object test = entry.containsKey("test") ? entry.get("test") : entry.get("data");
        if (!(test instanceof String testPath) || !(entry.get("head") instanceof String head)) {
            throw new UserInputException("task pool '" + file + "': task '" + name + "' needs 'test' (or 'data') and 'head' paths");
        }
        ImageFolderDataset images = split(name, testPath, "test", directory, file);
        return new Task(name, images, resolve(directory, head, file, "task '" + name + "' head"),
                "folder " + images.identity() + " preprocessor " + TaskIdentity.ofFile(preprocessor),
                optionalSplit(name, entry.get("train"), "train", directory, file),
                optionalSplit(name, entry.get("val"), "val", directory, file));
    }

    private static ImageFolderDataset optionalSplit(String task, Object path, String split, Path directory, Path file) {
        if (path == null) {
            return null;
        }
        if (!(path instanceof String text)) {
            throw new UserInputException("task pool '" + file + "': task '" + task + "' split '" + split + "' must be a path");
        }
        return split(task, text, split, directory, file);
    }

    private static ImageFolderDataset split(String task, String path, String split, Path directory, Path file) {
        return ImageFolderDataset.open(resolve(directory, path, file, "task '" + task + "' " + split + " split"));
    }

    /** {@code path} against the pool file's folder; a path the file system cannot name (NUL) is bad input. */
    private static Path resolve(Path directory, String path, Path file, String what) {
        try {
            return directory.resolve(path);
        } catch (InvalidPathException e) {
            throw new UserInputException("task pool '" + file + "': " + what + " is an invalid path: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> taskNames() {
        return tasks.stream().map(Task::name).toList();
    }

    /** What a task's result depends on besides the model: its data, its head and how images are batched. */
    @Override
    public String identity(String taskName) {
        Task task = task(taskName);
        String identity = task.identity() + " head " + TaskIdentity.ofFile(task.head()) + " batch " + batchSize;
        return projectionFallback == null ? identity : identity + " projection " + projectionIdentity();
    }

    /** The fallback projection's dtype, shape and bytes, hashed (a vision tower's results depend on it). */
    private String projectionIdentity() {
        if (projectionDigest == null) {
            try (Checkpoint checkpoint = Checkpoint.open(projectionFallback)) {
                if (!checkpoint.contains(ClipVisionFamily.PROJECTION)) {
                    throw new UserInputException("'" + projectionFallback + "' has no '" + ClipVisionFamily.PROJECTION
                            + "' to evaluate CLIP vision towers with");
                }
                Tensor projection = checkpoint.tensor(ClipVisionFamily.PROJECTION);
                projectionDigest = TaskIdentity.ofBytes(projection.dtype() + " " + projection.shape(), projection.data());
            }
        }
        return projectionDigest;
    }

    /** Accuracy and loss of the model on the named tasks, in the order given. */
    @Override
    public Map<String, TaskMetrics> evaluate(Path modelDirectory, List<String> names, int threads) {
        return evaluate(modelDirectory, names, threads, true);
    }

    /** A model folder's merged model on every task, ignoring per-task corrections saved beside it. */
    public Map<String, TaskMetrics> evaluateWithoutCorrections(Path modelDirectory, int threads) {
        return evaluate(modelDirectory, taskNames(), threads, false);
    }

    private Map<String, TaskMetrics> evaluate(Path modelDirectory, List<String> names, int threads, boolean withCorrections) {
        if (EnsembleCheckpoint.isEnsemble(modelDirectory)) {
            EnsembleCheckpoint.Description ensemble = EnsembleCheckpoint.read(modelDirectory);
            try (Arena arena = Arena.ofShared()) {
                return evaluate(ensemble.embedders(arena), ensemble.imageSize(), names, threads);
            }
        }
        ClipConfig config = ClipConfig.read(modelDirectory.resolve("config.json"));
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(modelDirectory)) {
            Parameters params = weights(checkpoint, new ClipConfig(config.vision(), null, config.projectionDim()), arena);
            // a saved mixture (moe.json) routes its encoder linears; any other model computes them plainly
            ClipWeights.Source source = ClipWeights.Source.of(checkpoint);
            ClipModel model = new ClipModel(config, MixtureLinears.of(modelDirectory, source, config, arena),
                    MixtureMlps.of(modelDirectory, source, config, arena));
            ImageEmbedder.Factory plain = laneThreads -> new ClipImageEncoder(model, params, laneThreads);
            Path surgery = modelDirectory.resolve(FeatureCorrection.FILE);
            if (!withCorrections || !java.nio.file.Files.isRegularFile(surgery)) {
                return evaluate(plain, config.vision().imageSize(), names, threads);
            }
            // a representation-surgery model: each task's embeddings get that task's correction
            Map<String, FeatureCorrection> corrections = FeatureCorrection.load(surgery, names, arena);
            return evaluatePerTask(task -> laneThreads -> new CorrectedEmbedder(plain.create(laneThreads), corrections.get(task)),
                    config.vision().imageSize(), names, threads);
        }
    }

    /** A checkpoint's tower and projection; the projection from the fallback checkpoint when it has none. */
    private Parameters weights(Checkpoint checkpoint, ClipConfig config, Arena arena) {
        if (projectionFallback == null || checkpoint.contains(ClipVisionFamily.PROJECTION)) {
            return ClipWeights.load(checkpoint, config, true, arena);
        }
        Map<String, Tensor> tensors = new java.util.LinkedHashMap<>(ClipWeights.tensors(ClipWeights.Source.of(checkpoint), config,
                false, arena));
        try (Checkpoint fallback = Checkpoint.open(projectionFallback)) {
            tensors.putAll(ClipWeights.tensors(ClipWeights.Source.of(fallback), config, true,
                    ClipVisionFamily.PROJECTION::equals, arena));
        }
        return TensorParameters.frozen(tensors);
    }

    /**
     * Accuracy and loss on the named tasks of a model held in memory (a merged model's parameters, an ensemble, ...),
     * given as a factory of image embedders for images of {@code imageSize} pixels. Tasks run in parallel lanes, one
     * embedder per lane with the threads left over.
     */
    public Map<String, TaskMetrics> evaluate(ImageEmbedder.Factory embedders, int imageSize, List<String> names, int threads) {
        return evaluatePerTask(task -> embedders, imageSize, names, threads);
    }

    /** As above, with each task's own embedders (a model with per-task parts). */
    public Map<String, TaskMetrics> evaluatePerTask(java.util.function.Function<String, ImageEmbedder.Factory> embedders, int imageSize,
                                             List<String> names, int threads) {
        List<Task> selected = names.stream().map(this::task).toList();
        ClassificationEvaluator evaluator = evaluator(imageSize);
        int lanes = Math.max(1, Math.min(threads, selected.size()));
        int threadsPerTask = Math.max(1, threads / lanes);
        Map<String, TaskMetrics> results = new LinkedHashMap<>();
        try (Arena arena = Arena.ofShared()) {
            List<ZeroShotHead> heads = selected.stream().map(task -> ZeroShotHead.load(task.head(), arena)).toList();
            List<Callable<TaskMetrics>> jobs = new ArrayList<>();
            for (int i = 0; i < selected.size(); i++) {
                Task task = selected.get(i);
                ZeroShotHead head = heads.get(i);
                ImageEmbedder.Factory factory = embedders.apply(task.name());
                jobs.add(() -> evaluateTask(factory, head, evaluator, task.data(), threadsPerTask));
            }
            // with several lanes, BLAS keeps its one thread: the lanes use the cores
            List<TaskMetrics> metrics = Lanes.run(lanes, jobs);
            for (int i = 0; i < selected.size(); i++) {
                results.put(selected.get(i).name(), metrics.get(i));
            }
        }
        return results;
    }

    /** The task's zero-shot head, loaded into {@code arena}. */
    public ZeroShotHead head(String taskName, Arena arena) {
        return ZeroShotHead.load(task(taskName).head(), arena);
    }

    /**
     * Images {@code indices} of a split as the model's input [N, 3, size, size], preprocessed as evaluation does
     * (the pool's preprocessor, else CLIP's normalization of images that already have the model's size).
     */
    public Tensor pixels(LabelledImages images, int[] indices, int imageSize, Arena arena) {
        return evaluator(imageSize).pixels(images, indices, arena);
    }

    private ClassificationEvaluator evaluator(int size) {
        return preprocessor == null
                ? ClassificationEvaluator.normalizing(PixelNormalization.CLIP, size, size, batchSize)
                : new ClassificationEvaluator(ClipImageProcessor.fromFile(preprocessor)::process, size, size, batchSize);
    }

    /**
     * One task on one lane: image embeddings from the lane's embedder (its result does not depend on the thread
     * count), logits from the head in a small graph reused from batch to batch.
     */
    private static TaskMetrics evaluateTask(ImageEmbedder.Factory embedders, ZeroShotHead head, ClassificationEvaluator evaluator,
                                            LabelledImages data, int threads) {
        try (ImageEmbedder encoder = embedders.create(threads); Parallel single = new Parallel(1);
             Graph graph = Graph.inference(single)) {
            return evaluator.evaluate(pixels -> {
                graph.reset();
                try (Arena batchArena = Arena.ofShared()) { // the encoder's lanes write into it
                    Var embeds = Var.constant(encoder.imageEmbeds(pixels, batchArena));
                    float[] flat = (encoder.normalized() ? head.logitsOfFinal(graph, embeds) : head.logits(graph, embeds))
                            .value().toFloatArray();
                    int batch = (int) pixels.shape().dim(0);
                    int classes = flat.length / batch;
                    float[][] logits = new float[batch][];
                    for (int i = 0; i < batch; i++) {
                        logits[i] = java.util.Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
                    }
                    return logits;
                }
            }, data);
        }
    }

    /** The task named {@code name}; a bad-input error when the pool has none. */
    public Task task(String name) {
        return tasks.stream().filter(task -> task.name().equals(name)).findFirst()
                .orElseThrow(() -> new UserInputException("task pool has no task '" + name + "'; tasks: " + taskNames()));
    }
}
