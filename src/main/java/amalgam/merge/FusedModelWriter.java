package amalgam.merge;

import amalgam.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a fused model as a Hugging Face directory: the weights (computed by the engine, sharded), config.json
 * and tokenizer files from a source model, and a model card with the exact config and provenance. The directory
 * appears at the requested path only when everything is written.
 */
public final class FusedModelWriter {
    private final EngineOptions options;

    public FusedModelWriter(EngineOptions options) {
        this.options = options;
    }

    /**
     * @param jobs            the plan
     * @param output          requested output directory
     * @param sideFilesSource directory whose config.json / tokenizer files travel with the output (may be null)
     * @param outputDType     dtype written into config.json's torch_dtype (null: leave as is)
     * @param copyTokenizer   whether to copy tokenizer files
     * @param provenance      what produced the model
     * @param configText      the user's config, verbatim, for the model card
     */
    public void write(List<TensorJob> jobs, Path output, Path sideFilesSource, DType outputDType, boolean copyTokenizer,
                      Provenance provenance, String configText) {
        try (OutputDirectory directory = OutputDirectory.prepare(output)) {
            new MergeEngine(options).execute(jobs, directory.staging(), provenance.asMetadata());
            if (sideFilesSource != null) {
                SideFiles.copyConfig(sideFilesSource, directory.staging(), outputDType);
                if (copyTokenizer) {
                    SideFiles.copyTokenizer(sideFilesSource, directory.staging());
                }
            }
            writeString(directory.staging().resolve("README.md"), ModelCard.render(provenance, configText));
            directory.publish();
        }
    }

    private static void writeString(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
