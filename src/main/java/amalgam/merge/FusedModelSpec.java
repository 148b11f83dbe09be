package amalgam.merge;

import amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where and how a fused model is written, besides its weights.
 *
 * @param output          requested output directory
 * @param sideFilesSource directory whose config.json and tokenizer files travel with the output (null: none)
 * @param torchDType      value for config.json's torch_dtype (null: keep the source's)
 * @param configUpdates   further config.json keys to set (e.g. the layer count of a frankenmerge)
 * @param copyTokenizer   whether tokenizer files are copied
 * @param provenance      what produced the model (safetensors metadata and model card)
 * @param configText      the user's configuration, verbatim, for the model card
 */
public record FusedModelSpec(Path output, Path sideFilesSource, DType torchDType, Map<String, Object> configUpdates,
                             boolean copyTokenizer, Provenance provenance, String configText) {
    public FusedModelSpec {
        configUpdates = Map.copyOf(configUpdates);
    }

    /** The same model written to another directory. */
    public FusedModelSpec withOutput(Path directory) {
        return new FusedModelSpec(directory, sideFilesSource, torchDType, configUpdates, copyTokenizer, provenance, configText);
    }
}
