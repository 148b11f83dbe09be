package amalgam.merge;

import amalgam.io.OutputDirectory;
import amalgam.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

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
            if (spec.modelCard()) {
                Path name = spec.output().toAbsolutePath().normalize().getFileName();
                writeString(directory.staging().resolve("README.md"),
                        ModelCard.render(name == null ? null : name.toString(), spec.provenance(), spec.configText()));
            }
            spec.generatedFiles().forEach((name, text) -> writeString(directory.staging().resolve(name), text));
            directory.publish();
        }
    }

    /**
     * Writes one complete model directory per entry, {@code spec.output()/NAME/}, and publishes them together: the
     * output directory appears only when every model is written, so a failure leaves none of them.
     */
    public void writePerTask(Map<String, List<TensorJob>> models, FusedModelSpec spec) {
        try (OutputDirectory directory = OutputDirectory.prepare(spec.output())) {
            for (Map.Entry<String, List<TensorJob>> model : models.entrySet()) {
                write(model.getValue(), spec.withOutput(directory.staging().resolve(checkedDirectoryName(model.getKey()))));
            }
            directory.publish();
        }
    }

    private static String checkedDirectoryName(String name) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
                || name.startsWith(".")) {
            throw new UserInputException("model name '" + name + "' cannot be used as an output directory name");
        }
        return name;
    }

    private static void writeString(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
