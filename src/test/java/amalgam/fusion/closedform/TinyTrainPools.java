package amalgam.fusion.closedform;

import amalgam.data.synthetic.SyntheticDataset;
import amalgam.fusion.FusionContext;
import amalgam.fusion.FusionData;
import amalgam.fusion.MethodRegistry;
import amalgam.fusion.ModelPool;
import amalgam.fusion.FusionResult;
import amalgam.fusion.Pools;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.YamlDocuments;
import amalgam.merge.CheckpointModelSource;
import amalgam.model.clip.ClipConfig;
import amalgam.testing.Fixtures;
import amalgam.testing.TinyTaskData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny data-dependent benchmark in a folder: the fixture's CLIP vision models (pretrained, sun397, eurosat; hidden
 * size 64, 4 layers, 32x32 images, projection 32) as {@code pool.yaml}, and {@code tasks.yaml} whose tasks have
 * {@code train:} and {@code test:} image folders of synthetic images over 4 classes and a random unit-row head.
 */
public final class TinyTrainPools {
    public static final List<String> TASKS = List.of("sun397", "eurosat");

    private TinyTrainPools() {
    }

    /** Writes the pool, the task pool and their data under {@code root}; {@code trainImages} per task. */
    public static void write(Path root, int trainImages) {
        try {
            Path clip = Fixtures.path("merge-tiny/clip");
            StringBuilder pool = new StringBuilder("models:\n  _pretrained_: " + clip.resolve("pretrained") + "\n");
            StringBuilder tasks = new StringBuilder("tasks:\n");
            String[] synthetic = {"shapes", "orientation"};
            for (int t = 0; t < TASKS.size(); t++) {
                String task = TASKS.get(t);
                pool.append("  ").append(task).append(": ").append(clip.resolve(task)).append('\n');
                TinyTaskData.writeImages(root.resolve(task + "-train"), synthetic[t], SyntheticDataset.Split.TRAIN, trainImages);
                TinyTaskData.writeImages(root.resolve(task + "-test"), synthetic[t], SyntheticDataset.Split.TEST, 12);
                TinyTaskData.randomHead(task).save(root.resolve(task + ".safetensors"));
                tasks.append("  ").append(task).append(": {train: ").append(task).append("-train, test: ").append(task)
                        .append("-test, head: ").append(task).append(".safetensors}\n");
            }
            tasks.append("batch_size: 8\n");
            Files.writeString(root.resolve("pool.yaml"), pool);
            Files.writeString(root.resolve("pool-sun397.yaml"), "models:\n  _pretrained_: " + clip.resolve("pretrained")
                    + "\n  sun397: " + clip.resolve("sun397") + "\n");
            Files.writeString(root.resolve("tasks.yaml"), tasks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }



    /** Runs method {@code name} in process on the folder's pools; the merged tensors by name. */
    static Map<String, float[]> fuse(Path root, String name, Map<String, ?> parameters, long seed, int threads) {
        return fuse(root, "pool.yaml", name, parameters, seed, threads);
    }

    /** As above with another pool file of the folder ({@code pool-sun397.yaml}: the pretrained model and sun397). */
    static Map<String, float[]> fuse(Path root, String poolFile, String name, Map<String, ?> parameters, long seed, int threads) {
        List<CheckpointModelSource> opened = new ArrayList<>();
        try {
            ModelPool pool = ModelPool.load(root.resolve(poolFile), root, path -> {
                CheckpointModelSource source = CheckpointModelSource.open(path.getFileName().toString(), path);
                opened.add(source);
                return source;
            });
            Path tasksFile = root.resolve("tasks.yaml");
            ImageTaskPool taskPool = ImageTaskPool.fromDocument(YamlDocuments.read(tasksFile, "task pool"), tasksFile);
            ClipConfig config = ClipConfig.read(Fixtures.path("merge-tiny/clip/pretrained/config.json"));
            FusionData data = new FusionData(taskPool, new amalgam.model.clip.ClipVisionFamily(config, pool.pretrained().orElse(null),
                    pool.reference()));
            FusionResult result = MethodRegistry.create(name, new LinkedHashMap<>(parameters))
                    .fuse(new FusionContext(pool, seed, threads, data, false, amalgam.parallel.Parallel.CALLING_THREAD));
            return Pools.run(((FusionResult.MergedModel) result).jobs());
        } finally {
            opened.forEach(CheckpointModelSource::close);
        }
    }

    /** A model's tensors as float arrays. */
    static Map<String, float[]> weights(String model) {
        try (CheckpointModelSource source = CheckpointModelSource.open(model, Fixtures.path("merge-tiny/clip/" + model))) {
            Map<String, float[]> weights = new LinkedHashMap<>();
            for (String name : source.tensorNames()) {
                weights.put(name, source.tensor(name).toFloatArray());
            }
            return weights;
        }
    }


}
