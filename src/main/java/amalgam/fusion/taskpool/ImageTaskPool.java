package amalgam.fusion.taskpool;

import amalgam.UserInputException;
import amalgam.data.ImageFolderDataset;
import amalgam.data.image.ClipImageProcessor;
import amalgam.data.image.RgbImage;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.model.clip.ZeroShotHead;
import amalgam.nn.Graph;
import amalgam.nn.Parallel;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import java.io.IOException;
import java.io.Reader;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * An image-classification task pool for CLIP vision models, from YAML:
 * <pre>
 * tasks:
 *   pets: {data: path/to/image-folder, head: path/to/head.safetensors}
 * preprocessor: path/to/preprocessor_config.json   # optional; without it images must have the model's size
 * batch_size: 64                                   # optional (FusionBench evaluates in batches of 128)
 * </pre>
 * Paths are relative to the YAML file. A model is evaluated by its directory (config.json + safetensors with the
 * vision tower and visual_projection); each task's logits come from its zero-shot head.
 */
public final class ImageTaskPool {
    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private record Task(ImageFolderDataset data, Path head) {
    }

    private final Map<String, Task> tasks;
    private final Path preprocessor;
    private final int batchSize;

    private ImageTaskPool(Map<String, Task> tasks, Path preprocessor, int batchSize) {
        this.tasks = tasks;
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
    }

    public static ImageTaskPool load(Path file) {
        Object document;
        try (Reader reader = Files.newBufferedReader(file)) {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new UserInputException("cannot read task pool '" + file + "': " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new UserInputException("task pool '" + file + "' is not valid YAML: " + e.getMessage(), e);
        }
        if (!(document instanceof Map<?, ?> root) || !(root.get("tasks") instanceof Map<?, ?> entries) || entries.isEmpty()) {
            throw new UserInputException("task pool '" + file + "' needs a 'tasks:' mapping of name: {data, head}");
        }
        for (Object key : root.keySet()) {
            if (!java.util.Set.of("tasks", "preprocessor", "batch_size").contains(String.valueOf(key))) {
                throw new UserInputException("task pool '" + file + "': unknown key '" + key + "' (valid: tasks, preprocessor, batch_size)");
            }
        }
        Path directory = file.toAbsolutePath().getParent();
        Map<String, Task> tasks = new LinkedHashMap<>();
        entries.forEach((name, value) -> {
            if (!(value instanceof Map<?, ?> task) || !(task.get("data") instanceof String data) || !(task.get("head") instanceof String head)) {
                throw new UserInputException("task pool '" + file + "': task '" + name + "' needs 'data' and 'head' paths");
            }
            tasks.put(String.valueOf(name), new Task(ImageFolderDataset.open(directory.resolve(data)), directory.resolve(head)));
        });
        Path preprocessor = root.get("preprocessor") instanceof String p ? directory.resolve(p) : null;
        int batch = root.get("batch_size") instanceof Integer b && b > 0 ? b : 64;
        return new ImageTaskPool(tasks, preprocessor, batch);
    }

    public java.util.List<String> taskNames() {
        return java.util.List.copyOf(tasks.keySet());
    }

    /** Accuracy and loss of the model in {@code modelDirectory} on every task, in pool order. */
    public Map<String, TaskMetrics> evaluate(Path modelDirectory, int threads) {
        ClipConfig config = ClipConfig.read(modelDirectory.resolve("config.json"));
        ClipModel model = new ClipModel(config);
        int size = config.vision().imageSize();
        ClassificationEvaluator evaluator = preprocessor == null
                ? ClassificationEvaluator.normalizing(CLIP_MEAN, CLIP_STD, size, size, batchSize)
                : new ClassificationEvaluator(ClipImageProcessor.fromFile(preprocessor)::process, size, size, batchSize);
        Map<String, TaskMetrics> results = new LinkedHashMap<>();
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(modelDirectory);
             Parallel parallel = new Parallel(threads); Graph graph = Graph.inference(parallel)) {
            Parameters params = ClipWeights.load(checkpoint, new ClipConfig(config.vision(), null, config.projectionDim()), true, arena);
            for (Map.Entry<String, Task> entry : tasks.entrySet()) {
                ZeroShotHead head = ZeroShotHead.load(entry.getValue().head(), arena);
                ImageFolderDataset data = entry.getValue().data();
                results.put(entry.getKey(), evaluator.evaluate(pixels -> {
                    graph.reset();
                    Var embeds = model.imageEmbeds(graph, params, model.vision(graph, params, graph.constant(pixels)).pooled());
                    float[] flat = head.logits(graph, embeds).value().toFloatArray();
                    int batch = (int) pixels.shape().dim(0);
                    int classes = flat.length / batch;
                    float[][] logits = new float[batch][];
                    for (int i = 0; i < batch; i++) {
                        logits[i] = java.util.Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
                    }
                    return logits;
                }, new LabelledImages() {
                    public int size() { return data.size(); }
                    public int label(int index) { return data.label(index); }
                    public RgbImage image(int index) { return data.image(index); }
                }));
            }
        }
        return results;
    }
}
