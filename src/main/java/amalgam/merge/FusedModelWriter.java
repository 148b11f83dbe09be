package amalgam.merge;

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

    /** Computes the jobs and publishes the complete model directory at {@code spec.output()}. */
    public void write(List<TensorJob> jobs, FusedModelSpec spec) {
        try (OutputDirectory directory = OutputDirectory.prepare(spec.output())) {
            new MergeEngine(options).execute(jobs, directory.staging(), spec.provenance().asMetadata());
            if (spec.sideFilesSource() != null) {
                SideFiles.copyConfig(spec.sideFilesSource(), directory.staging(), spec.torchDType(), spec.configUpdates());
                if (spec.copyTokenizer()) {
                    SideFiles.copyTokenizer(spec.sideFilesSource(), directory.staging());
                }
            }
            writeString(directory.staging().resolve("README.md"), ModelCard.render(spec.provenance(), spec.configText()));
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
