package amalgam.mergekit.plan;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import amalgam.io.HubCache;
import amalgam.merge.ModelSource;
import amalgam.mergekit.arch.Architecture;
import amalgam.mergekit.arch.KnownArchitectures;
import amalgam.mergekit.config.ModelReference;
import amalgam.mergekit.lora.LoraAdapter;
import amalgam.mergekit.lora.LoraModelSource;
import amalgam.tensor.DType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A referenced model opened for planning: its directory (Hugging Face cache repos resolved to their snapshot),
 * its tensors and its {@code config.json} (absent for bare tensor files and in-memory models).
 */
record OpenedModel(ModelReference reference, Path path, ModelSource source, JsonNode config, List<String> tensorNames) {

    /**
     * Opens the model at {@code path}; with a LoRA reference, the adapter at {@code loraPath} is folded into it
     * (its weights file opened through {@code opener} too, so it is listed and hashed like any input), its tensors
     * stored in {@code loraDType} (null: each base tensor's dtype).
     */
    static OpenedModel open(ModelReference reference, Path path, Path loraPath, DType loraDType,
                            java.util.function.Function<Path, ModelSource> opener) {
        ModelSource source = opener.apply(path);
        if (reference.lora() != null) {
            Path adapterDirectory = modelDirectory(loraPath);
            ModelSource weights = opener.apply(adapterDirectory.resolve(LoraAdapter.WEIGHTS_FILE));
            source = new LoraModelSource(reference.toString(), source, LoraAdapter.read(adapterDirectory, weights, source),
                    loraDType);
        }
        return new OpenedModel(reference, path, source, readConfig(modelDirectory(path)), source.tensorNames());
    }

    /** The directory holding config.json: the path itself, or for a HF cache repo {@code snapshots/<refs/main>}. */
    static Path modelDirectory(Path path) {
        if (HubCache.isRepoFolder(path)) {
            return HubCache.snapshotOf(path, "main");
        }
        return Files.isDirectory(path) ? path : path.getParent();
    }

    private static JsonNode readConfig(Path directory) {
        if (directory == null || !Files.isRegularFile(directory.resolve("config.json"))) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(ConfigFiles.readText(CacheLinks.resolve(directory.resolve("config.json")), "model config"));
        } catch (IOException malformed) {
            throw new UserInputException("cannot read " + directory.resolve("config.json") + ": " + malformed.getMessage(), malformed);
        }
    }

    /** The {@code config.architectures[0]} class (or the reference's override), if any. */
    Optional<String> architectureClass() {
        if (reference.overrideArchitecture() != null) {
            return Optional.of(reference.overrideArchitecture());
        }
        if (config == null || !config.path("architectures").isArray() || config.path("architectures").isEmpty()) {
            return Optional.empty();
        }
        if (config.path("architectures").size() > 1) {
            throw new UserInputException("model '" + reference + "': config.json lists several architectures "
                    + config.path("architectures"));
        }
        return Optional.of(config.path("architectures").get(0).asText());
    }

    Optional<Architecture> knownArchitecture() {
        return architectureClass().flatMap(KnownArchitectures::forClass);
    }

    /** Layer count: the architecture's config key when known and present, else max layer index + 1. */
    int layerCount(Architecture architecture) {
        if (architecture.numLayersKey() != null && config != null) {
            JsonNode node = config;
            for (String part : architecture.numLayersKey().split("\\.")) {
                node = node.path(part);
            }
            if (node.isInt()) {
                return node.asInt();
            }
        }
        return Architecture.inferLayerCount(tensorNames);
    }
}
