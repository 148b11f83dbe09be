package amalgam.merge;

import amalgam.UserInputException;
import amalgam.io.OutputDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a fused model as a Hugging Face directory: the weights (computed by the engine, sharded), config.json
 * and tokenizer files from a source model, and a model card with the exact config and provenance. The directory
 * appears at the requested path only when everything is written (see {@link OutputDirectory}).
 */
public final class FusedModelWriter {
    private final EngineOptions options;

    public FusedModelWriter(EngineOptions options) {
        this.options = options;
    }

    /** Claims {@code spec.output()}, computes the jobs and publishes the complete model directory there. */
    public void write(List<TensorJob> jobs, FusedModelSpec spec) {
        try (OutputDirectory directory = OutputDirectory.claim(spec.output())) {
            writeInto(directory.staging(), titleOf(directory.target()), jobs, spec);
            directory.publish();
        }
    }

    /**
     * Computes the jobs and writes the model into {@code directory} (an existing, empty folder the caller owns,
     * such as a claimed output's staging directory); the model card is titled {@code title}.
     */
    public void writeInto(Path directory, String title, List<TensorJob> jobs, FusedModelSpec spec) {
        new MergeEngine(options).execute(jobs, directory, spec.provenance().asMetadata());
        if (spec.sideFilesSource() != null) {
            SideFiles.copyConfig(spec.sideFilesSource(), directory, spec.torchDType(), spec.configUpdates());
            if (spec.copyTokenizer()) {
                SideFiles.copyTokenizer(spec.sideFilesSource(), directory);
            }
        }
        if (spec.modelCard()) {
            writeString(directory.resolve("README.md"), ModelCard.render(title, spec.provenance(), spec.configText()));
        }
        spec.generatedFiles().forEach((name, text) -> writeString(directory.resolve(name), text));
    }

    /** One complete model directory per entry, {@code directory/NAME/}, each card titled by its name. */
    public void writePerTaskInto(Path directory, Map<String, List<TensorJob>> models, FusedModelSpec spec) {
        for (Map.Entry<String, List<TensorJob>> model : models.entrySet()) {
            Path folder = directory.resolve(checkedDirectoryName(model.getKey()));
            try {
                Files.createDirectories(folder); // may exist: a resumed run goes on with the models already there
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + folder, e);
            }
            writeInto(folder, model.getKey(), model.getValue(), spec);
        }
    }

    /**
     * What decides the bytes of an output holding {@code models} (name → jobs) written with {@code spec}: the
     * provenance (method, resolved parameters, inputs' digests, seed, versions), the config, side-file settings, the
     * shard size and every planned tensor. A killed run resumes only into a staging folder with the same key.
     */
    public String runKey(Map<String, List<TensorJob>> models, FusedModelSpec spec) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            StringBuilder text = new StringBuilder(spec.provenance().toJson()).append('\n').append(spec.configText())
                    .append('\n').append(spec.sideFilesSource()).append(' ').append(spec.torchDType()).append(' ')
                    .append(spec.configUpdates()).append(' ').append(spec.copyTokenizer()).append(' ').append(spec.modelCard())
                    .append(' ').append(options.maxShardBytes()).append('\n');
            spec.generatedFiles().forEach((name, content) -> text.append(name).append('=').append(content.hashCode()).append('\n'));
            sha.update(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (Map.Entry<String, List<TensorJob>> model : models.entrySet()) {
                StringBuilder plan = new StringBuilder(model.getKey()).append('\n');
                for (TensorJob job : model.getValue()) {
                    plan.append(job.outputName()).append(' ').append(job.outputDType()).append(' ').append(job.outputShape()).append('\n');
                }
                sha.update(plan.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model card's title: the output folder's name, as mergekit titles its cards. */
    public static String titleOf(Path output) {
        Path name = output.toAbsolutePath().normalize().getFileName();
        return name == null ? null : name.toString();
    }

    /** {@code name} as one path element of an output (a model or task name), refused if it could leave its folder. */
    public static String checkedDirectoryName(String name) {
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
