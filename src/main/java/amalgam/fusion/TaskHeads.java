package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.merge.FusedModelWriter;
import amalgam.merge.ModelSource;
import amalgam.model.clip.ZeroShotClassNames;
import amalgam.model.clip.ZeroShotTemplates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * The task models' own heads in a pool merged at its backbone only (FusionBench's ConvNeXt and ResNet pools): each
 * task model's tensors outside the backbone, sized for its own classes. FusionBench evaluates such a merge with each
 * task's head switched onto the merged backbone; amalgam saves them beside the merged model, one
 * {@code heads/TASK.safetensors} per task, in their stored dtype, under their names in the task model.
 */
record TaskHeads(String prefix, SequencedMap<String, ModelSource> models) {
    static final String FOLDER = "heads";
    static final TaskHeads NONE = new TaskHeads("", new LinkedHashMap<>());

    TaskHeads {
        models = new LinkedHashMap<>(models);
    }

    /** The heads of every task model seen through a {@link BackboneView} (none for other pools). */
    static TaskHeads of(ModelPool pool) {
        SequencedMap<String, ModelSource> heads = new LinkedHashMap<>();
        String prefix = "";
        for (ModelSource model : pool.models()) {
            if (model instanceof BackboneView view) {
                heads.put(FusedModelWriter.checkedDirectoryName(view.name()), view.model());
                prefix = view.prefix();
            }
        }
        return heads.isEmpty() ? NONE : new TaskHeads(prefix, heads);
    }

    /** Writes {@code heads/TASK.safetensors} for every task into the model's folder (before it is published). */
    void saveInto(Path directory) {
        if (models.isEmpty()) {
            return;
        }
        Path folder = directory.resolve(FOLDER);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + folder, e);
        }
        models.forEach((task, model) -> save(task, model, folder.resolve(task + ".safetensors")));
    }

    private void save(String task, ModelSource model, Path file) {
        List<String> names = headTensors(model, prefix);
        List<TensorEntry> entries = new ArrayList<>();
        for (String name : names) {
            entries.add(new TensorEntry(name, model.dtypeOf(name), model.shapeOf(name)));
        }
        SequencedMap<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("amalgam.output", "task head");
        metadata.put("amalgam.task", task);
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, entries, metadata)) {
            for (String name : names) {
                writer.write(name, model.tensor(name));
                model.release(name);
            }
            writer.commit();
        }
    }

    /**
     * For a model entry with {@code dataset_name}: FusionBench gives such a model a new, randomly initialised head with
     * the dataset's number of classes. A checkpoint whose head already has that many classes (one fine-tuned on the
     * dataset) keeps its trained head here; any other is refused rather than given invented weights.
     */
    static void checkSizedFor(PoolEntry.Checkpoint entry, ModelSource model, String prefix, String poolName) {
        if (entry.headTask() == null) {
            return;
        }
        String where = "model pool '" + poolName + "': model '" + entry.name() + "'";
        int classes = ZeroShotClassNames.forTask(entry.headTask()).orElseThrow(() -> new UserInputException(where
                + ": unknown dataset_name '" + entry.headTask() + "' (known: " + String.join(", ", ZeroShotTemplates.TALL20) + ")")).size();
        for (String name : headTensors(model, prefix)) {
            if (name.endsWith("weight") && model.shapeOf(name).rank() == 2 && model.shapeOf(name).dim(0) != classes) {
                throw new UserInputException(where + ": its head '" + name + "' has " + model.shapeOf(name).dim(0)
                        + " outputs, but dataset_name " + entry.headTask() + " has " + classes + " classes; FusionBench would replace"
                        + " the head with a new, randomly initialised one (a starting point for fine-tuning, not a model to merge)."
                        + " Give the checkpoint fine-tuned on " + entry.headTask() + ", or remove dataset_name to keep this one's head");
            }
        }
    }

    private static List<String> headTensors(ModelSource model, String prefix) {
        return model.tensorNames().stream().filter(name -> !name.startsWith(prefix)).toList();
    }
}
