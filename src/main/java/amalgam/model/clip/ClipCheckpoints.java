package amalgam.model.clip;

import amalgam.io.AtomicFiles;
import amalgam.io.ShardedCheckpointWriter;
import amalgam.io.TensorEntry;
import amalgam.io.OutputDirectory;
import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Saving CLIP weights as a Hugging Face model directory (config.json + model.safetensors), atomically. */
public final class ClipCheckpoints {
    private ClipCheckpoints() {
    }

    /** Writes the tensors (sorted by name) and the config text; the directory appears only when complete. */
    public static void save(Path directory, Map<String, Tensor> tensors, String configJson, java.util.SequencedMap<String, String> metadata) {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        List<TensorEntry> entries = new ArrayList<>();
        sorted.forEach((name, tensor) -> entries.add(new TensorEntry(name, tensor.dtype(), tensor.shape())));
        try (OutputDirectory output = OutputDirectory.claim(directory)) {
            try (ShardedCheckpointWriter writer = ShardedCheckpointWriter.create(output.staging(), entries, Long.MAX_VALUE, metadata)) {
                sorted.forEach(writer::write);
                writer.commit();
            }
            AtomicFiles.writeString(output.staging().resolve("config.json"), configJson);
            output.publish();
        }
    }
}
