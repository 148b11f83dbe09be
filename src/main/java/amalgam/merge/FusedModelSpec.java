package amalgam.merge;

import amalgam.tensor.DType;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
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
 * @param generatedFiles  further files by name, written last with exactly this text (e.g. a built tokenizer)
 * @param modelCard       whether README.md (the model card with config and provenance) is written
 */
public record FusedModelSpec(Path output, Path sideFilesSource, DType torchDType, Map<String, Object> configUpdates,
                             boolean copyTokenizer, Provenance provenance, String configText,
                             Map<String, String> generatedFiles, boolean modelCard) {
    public FusedModelSpec {
        // copies that keep the caller's order: config.json keys and file lists reach the output
        configUpdates = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(configUpdates));
        generatedFiles = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(generatedFiles));
    }

    /** A model with its model card. */
    public FusedModelSpec(Path output, Path sideFilesSource, DType torchDType, Map<String, Object> configUpdates,
                          boolean copyTokenizer, Provenance provenance, String configText,
                          Map<String, String> generatedFiles) {
        this(output, sideFilesSource, torchDType, configUpdates, copyTokenizer, provenance, configText, generatedFiles, true);
    }

    /** A model without generated files. */
    public FusedModelSpec(Path output, Path sideFilesSource, DType torchDType, Map<String, Object> configUpdates,
                          boolean copyTokenizer, Provenance provenance, String configText) {
        this(output, sideFilesSource, torchDType, configUpdates, copyTokenizer, provenance, configText, Map.of(), true);
    }

    /** The same model with one more generated file (replacing one of that name). */
    public FusedModelSpec withGeneratedFile(String name, String text) {
        Map<String, String> files = new LinkedHashMap<>(generatedFiles);
        files.put(name, text);
        return new FusedModelSpec(output, sideFilesSource, torchDType, configUpdates, copyTokenizer, provenance, configText,
                files, modelCard);
    }

    /** The same model written to another directory. */
    public FusedModelSpec withOutput(Path directory) {
        return new FusedModelSpec(directory, sideFilesSource, torchDType, configUpdates, copyTokenizer, provenance,
                configText, generatedFiles, modelCard);
    }
}
