package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import amalgam.merge.ModelSource;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * FusionBench's model pool: an ordered map name -> model. Names beginning and ending with {@code _} are special
 * ({@code _pretrained_}, {@code _merged_}); {@link #models()} holds the others (the task models) in YAML order,
 * {@link #allModels()} every model in YAML order.
 */
public final class ModelPool {
    public static final String PRETRAINED = "_pretrained_";

    private final List<ModelSource> allModels;
    private final List<ModelSource> models;
    private final ModelSource pretrained;

    /** A pool of the given models in order; their {@link ModelSource#name()}s are the pool names. */
    public ModelPool(List<? extends ModelSource> allModels) {
        this.allModels = List.copyOf(allModels);
        List<ModelSource> tasks = new ArrayList<>();
        ModelSource base = null;
        List<String> seen = new ArrayList<>();
        for (ModelSource model : this.allModels) {
            if (seen.contains(model.name())) {
                throw new UserInputException("model pool names model '" + model.name() + "' twice");
            }
            seen.add(model.name());
            if (isSpecial(model.name())) {
                if (model.name().equals(PRETRAINED)) {
                    base = model;
                }
            } else {
                tasks.add(model);
            }
        }
        this.models = List.copyOf(tasks);
        this.pretrained = base;
    }

    /** True for names that begin and end with an underscore. */
    public static boolean isSpecial(String name) {
        return name.length() >= 2 && name.startsWith("_") && name.endsWith("_");
    }

    /**
     * Reads a model-pool YAML ({@code models: {name: path}}); relative paths are resolved against
     * {@code baseDirectory} and opened with {@code opener}.
     */
    public static ModelPool load(Path yamlFile, Path baseDirectory, Function<Path, ModelSource> opener) {
        return fromDocument(YamlDocuments.read(yamlFile, "model pool"), yamlFile, baseDirectory, opener);
    }

    /**
     * A pool from the parsed YAML of {@code yamlFile} whose entries are checkpoints ({@link PoolEntry}, each read by its
     * loader): tests and tools that open models their own way; a run opens its pool with {@link LoadedPool}.
     */
    public static ModelPool fromDocument(Object document, Path yamlFile, Path baseDirectory, Function<Path, ModelSource> opener) {
        Path directory = baseDirectory.toAbsolutePath();
        List<ModelSource> sources = new ArrayList<>();
        for (PoolEntry entry : PoolEntry.parse(document, yamlFile.toString())) {
            if (!(entry instanceof PoolEntry.Checkpoint checkpoint)) {
                throw new UserInputException("model pool '" + yamlFile + "': model '" + entry.name() + "' is a LoRA adapter; open the pool"
                        + " with a run");
            }
            Path path;
            try {
                path = directory.resolve(checkpoint.path()).normalize();
            } catch (InvalidPathException e) {
                throw new UserInputException("model pool '" + yamlFile + "': model '" + entry.name() + "' has an invalid path: "
                        + e.getMessage(), e);
            }
            sources.add(checkpoint.loader().view(renamed(entry.name(), opener.apply(path))));
        }
        return new ModelPool(sources);
    }

    private static ModelSource renamed(String name, ModelSource source) {
        return source.named(name);
    }

    /** Every model (special ones included) in pool order. */
    public List<ModelSource> allModels() {
        return allModels;
    }

    /** The task models (non-special names) in pool order. */
    public List<ModelSource> models() {
        return models;
    }

    public Optional<ModelSource> pretrained() {
        return Optional.ofNullable(pretrained);
    }

    /** The pretrained model; a {@link UserInputException} naming the method if the pool has none. */
    public ModelSource requirePretrained(String method) {
        if (pretrained == null) {
            throw new UserInputException("method '" + method + "' needs a '" + PRETRAINED + "' model in the model pool");
        }
        return pretrained;
    }

    /** The task models, at least {@code minimum} of them. */
    public List<ModelSource> requireModels(String method, int minimum) {
        if (models.size() < minimum) {
            throw new UserInputException("method '" + method + "' needs at least " + minimum
                    + " fine-tuned model(s) in the model pool, got " + models.size());
        }
        return models;
    }

    /** The model whose tensor names and dtypes the output follows: the pretrained model, else the first model. */
    public ModelSource reference() {
        return pretrained != null ? pretrained : allModels.getFirst();
    }
}
