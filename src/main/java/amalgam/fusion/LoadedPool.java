package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.ConfigFiles;
import amalgam.io.HubCache;
import amalgam.io.StrictJson;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.mergekit.lora.LoraAdapter;
import amalgam.mergekit.lora.LoraModelSource;
import amalgam.tensor.DType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run's model pool, opened: every entry's checkpoint (and adapter) mapped, each model seen as its loader reads it,
 * and for each pool model the checkpoint it is (none for a LoRA-folded model). Closing it unmaps everything.
 *
 * <p>A pool whose models mix full CLIP checkpoints with vision-only ones is read as vision towers, as FusionBench's
 * {@code CLIPVisionModelPool} reads it, even without its {@code _target_}: nothing else could be merged.
 */
final class LoadedPool implements AutoCloseable {
    private final ModelPool pool;
    private final Map<String, CheckpointModelSource> checkpoints;
    private final List<CheckpointModelSource> opened;
    private final ModelLoader referenceLoader;

    private LoadedPool(ModelPool pool, Map<String, CheckpointModelSource> checkpoints, List<CheckpointModelSource> opened,
                       ModelLoader referenceLoader) {
        this.pool = pool;
        this.checkpoints = checkpoints;
        this.opened = opened;
        this.referenceLoader = referenceLoader;
    }

    /**
     * Opens the pool {@code document} ({@code poolName} in errors) read from {@code poolFile} (null: composed from a
     * config tree); relative paths are taken against the working directory (as FusionBench does), else the pool file's
     * folder, else as Hugging Face repo ids in the local hub cache.
     */
    static LoadedPool open(Object document, String poolName, Path poolFile, Path workingDirectory, NonFiniteInputs nonFinite) {
        List<PoolEntry> entries = PoolEntry.parse(document, poolName);
        Optional<String> backbone = PoolEntry.backbone(document);
        List<CheckpointModelSource> opened = new ArrayList<>();
        try {
            Map<String, CheckpointModelSource> checkpoints = new LinkedHashMap<>();
            Map<String, ModelSource> raw = new LinkedHashMap<>();
            for (PoolEntry entry : entries) {
                switch (entry) {
                    case PoolEntry.Checkpoint checkpoint -> {
                        CheckpointModelSource source = open(checkpoint.path(), poolFile, workingDirectory, opened);
                        checkDtype(checkpoint, source, poolName);
                        backbone.ifPresent(prefix -> TaskHeads.checkSizedFor(checkpoint, source, prefix, poolName));
                        checkpoints.put(entry.name(), source);
                        raw.put(entry.name(), source);
                    }
                    case PoolEntry.LoraFolded lora -> {
                        CheckpointModelSource base = open(lora.basePath(), poolFile, workingDirectory, opened);
                        Path adapter = modelPath(lora.adapterPath(), poolFile, workingDirectory);
                        Path adapterDirectory = HubCache.isRepoFolder(adapter) ? HubCache.snapshotOf(adapter, "main") : adapter;
                        CheckpointModelSource weights = track(CheckpointModelSource.open(lora.name() + " adapter",
                                adapterDirectory.resolve(LoraAdapter.WEIGHTS_FILE)), opened);
                        raw.put(entry.name(), new LoraModelSource(entry.name(), base, LoraAdapter.read(adapterDirectory, weights, base), null));
                    }
                }
            }
            List<ModelLoader> loaders = loaders(entries, checkpoints);
            List<ModelSource> models = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                String name = entries.get(i).name();
                models.add(loaders.get(i).view(raw.get(name).named(name).withNonFiniteInputs(nonFinite)));
            }
            ModelPool pool = backboneOnly(new ModelPool(models), backbone);
            ModelLoader referenceLoader = loaders.get(pool.allModels().indexOf(pool.reference()));
            return new LoadedPool(pool, checkpoints, opened, referenceLoader);
        } catch (RuntimeException e) {
            opened.forEach(CheckpointModelSource::close);
            throw e;
        }
    }

    /** The pool with every task model's tensors outside {@code prefix} replaced by the pretrained model's. */
    private static ModelPool backboneOnly(ModelPool pool, Optional<String> prefix) {
        if (prefix.isEmpty()) {
            return pool;
        }
        ModelSource pretrained = pool.requirePretrained("merging the backbone '" + prefix.get() + "' only");
        return new ModelPool(pool.allModels().stream()
                .map(model -> model == pretrained ? model : (ModelSource) new BackboneView(model, pretrained, prefix.get())).toList());
    }

    ModelPool pool() {
        return pool;
    }

    /** Every checkpoint opened (models, bases and adapters): what the run reads and must never overwrite. */
    List<CheckpointModelSource> opened() {
        return opened;
    }

    /** The checkpoint a pool model is, if it is one (a LoRA-folded model is not). */
    Optional<CheckpointModelSource> checkpoint(String name) {
        return Optional.ofNullable(checkpoints.get(name));
    }

    /** The checkpoint of a pool model that must be one; {@code why} says what needs it. */
    CheckpointModelSource requireCheckpoint(ModelSource model, String why) {
        return checkpoint(model.name()).orElseThrow(() -> new UserInputException("model '" + model.name()
                + "' is a LoRA adapter folded into its base; " + why + " needs a checkpoint"));
    }

    /** Whether the models are read as CLIP vision towers. */
    boolean visionTowers() {
        return referenceLoader == ModelLoader.CLIP_VISION;
    }

    /** The fused model's config.json when the loader makes a sub-model of the checkpoints (else the reference's is copied). */
    Optional<String> generatedConfig() {
        if (!referenceLoader.changesArchitecture()) {
            return Optional.empty();
        }
        Path directory = requireCheckpoint(pool.reference(), "the fused model's config").checkpoint().directory();
        return Optional.of(referenceLoader.configJson(config(directory).orElseThrow(() -> new UserInputException(
                "model '" + pool.reference().name() + "' has no config.json in '" + directory + "'"))));
    }

    /**
     * The config.json of a model a method restructured: {@code rewrite} applied to the config the fused model would
     * otherwise get (the generated one of a sub-model, else the reference checkpoint's, which must exist).
     */
    String restructuredConfig(ConfigRewrite rewrite) {
        String name = pool.reference().name();
        Path directory = requireCheckpoint(pool.reference(), "the fused model's config").checkpoint().directory();
        Path file = directory.resolve("config.json");
        String text = generatedConfig().orElseGet(() -> {
            if (!Files.isRegularFile(file)) {
                throw new UserInputException("model '" + name + "' has no config.json in '" + directory + "'; the fused model's"
                        + " config is made from it");
            }
            return ConfigFiles.readText(file, "model config");
        });
        JsonNode parsed = StrictJson.parse(text.getBytes(StandardCharsets.UTF_8), "model config '" + file + "'");
        if (!(parsed instanceof ObjectNode config)) {
            throw new UserInputException("model config '" + file + "' is not a JSON object");
        }
        return rewrite.apply(config.deepCopy(), name).toPrettyString() + "\n";
    }

    @Override
    public void close() {
        opened.forEach(CheckpointModelSource::close);
    }

    /** Each entry's loader; a pool mixing full and vision-only CLIP checkpoints is read as vision towers. */
    private static List<ModelLoader> loaders(List<PoolEntry> entries, Map<String, CheckpointModelSource> checkpoints) {
        List<ModelLoader> loaders = new ArrayList<>();
        boolean full = false;
        boolean visionOnly = false;
        for (PoolEntry entry : entries) {
            loaders.add(entry instanceof PoolEntry.Checkpoint checkpoint ? checkpoint.loader() : ModelLoader.WHOLE);
            if (checkpoints.get(entry.name()) instanceof CheckpointModelSource source) {
                String type = modelType(source.checkpoint().directory());
                full |= type.equals("clip");
                visionOnly |= type.equals("clip_vision_model");
            }
        }
        if (full && visionOnly && loaders.stream().allMatch(loader -> loader == ModelLoader.WHOLE)) {
            return entries.stream().map(entry -> ModelLoader.CLIP_VISION).toList();
        }
        return loaders;
    }

    /**
     * FusionBench loads a model in {@code torch_dtype}; amalgam computes in float32 and writes the stored dtype, so the
     * two agree only when the checkpoint is stored in that dtype.
     */
    private static void checkDtype(PoolEntry.Checkpoint entry, CheckpointModelSource source, String poolName) {
        if (entry.torchDtype() == null || entry.torchDtype().equals("auto")) {
            return;
        }
        DType wanted = DType.fromTorchName(entry.torchDtype());
        for (String name : source.tensorNames()) {
            DType stored = source.dtypeOf(name);
            if (stored.isFloatingPoint() && stored != wanted) {
                throw new UserInputException("model pool '" + poolName + "': model '" + entry.name() + "' asks for torch_dtype "
                        + entry.torchDtype() + " but tensor '" + name + "' is stored as " + stored + "; amalgam merges in float32 and"
                        + " writes the stored dtype, so remove torch_dtype (or convert the checkpoint)");
            }
        }
    }

    private static CheckpointModelSource open(String written, Path poolFile, Path workingDirectory, List<CheckpointModelSource> opened) {
        Path model = modelPath(written, poolFile, workingDirectory);
        // a pool path may be the root folder, which has no file name
        return track(CheckpointModelSource.open(String.valueOf(model.getFileName() == null ? model : model.getFileName()), model), opened);
    }

    private static CheckpointModelSource track(CheckpointModelSource source, List<CheckpointModelSource> opened) {
        opened.add(source);
        return source;
    }

    /**
     * A pool entry as a path: against the working directory (as FusionBench), else the pool file's folder, else a
     * Hugging Face repo id (such as {@code openai/clip-vit-base-patch32}) found in the local hub cache.
     */
    private static Path modelPath(String written, Path poolFile, Path workingDirectory) {
        Path againstWorkingDirectory;
        try {
            againstWorkingDirectory = workingDirectory.toAbsolutePath().resolve(written).normalize();
        } catch (InvalidPathException e) {
            throw new UserInputException("model pool" + (poolFile == null ? "" : " '" + poolFile + "'") + ": '" + written
                    + "' is an invalid path: " + e.getMessage(), e);
        }
        if (Files.exists(againstWorkingDirectory)) {
            return againstWorkingDirectory;
        }
        Path relative = workingDirectory.toAbsolutePath().relativize(againstWorkingDirectory);
        Path besidePool = poolFile == null ? againstWorkingDirectory : poolFile.toAbsolutePath().getParent().resolve(relative).normalize();
        String id = relative.toString().replace('\\', '/');
        return Files.exists(besidePool) || !HubCache.isRepoId(id) ? besidePool : HubCache.resolve(id, null);
    }

    private static String modelType(Path directory) {
        return config(directory).map(config -> config.path("model_type").asText("")).orElse("");
    }

    /** A checkpoint folder's config.json; empty when there is none or it does not parse (other readers report that). */
    private static Optional<JsonNode> config(Path directory) {
        Path file = directory.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(StrictJson.parse(ConfigFiles.readText(file, "model config").getBytes(StandardCharsets.UTF_8),
                    "model config '" + file + "'"));
        } catch (UserInputException e) {
            return Optional.empty();
        }
    }
}
