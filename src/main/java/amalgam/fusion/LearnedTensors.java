package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.SafetensorsFile;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Tensors a method learned that are as large as the model (a Concrete mask's logits, one per weight), saved beside the
 * merged model as {@code NAME.safetensors} (one tensor per model parameter, float32) so a later run can load them back
 * ({@code method.mask_checkpoint=FILE}).
 *
 * @param name    the file stem ("mask_logits")
 * @param tensors the values by parameter name
 */
public record LearnedTensors(String name, SequencedMap<String, Tensor> tensors) {
    public LearnedTensors {
        tensors = new LinkedHashMap<>(tensors);
    }

    /** Writes every tensor (name order as given) as one safetensors file, atomically. */
    public void save(Path file, SequencedMap<String, String> metadata) {
        List<TensorEntry> entries = new ArrayList<>();
        tensors.forEach((tensor, value) -> entries.add(new TensorEntry(tensor, DType.F32, value.shape())));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, entries, metadata)) {
            tensors.forEach(writer::write);
            writer.commit();
        }
    }

    /**
     * Reads tensors saved by {@link #save} into {@code arena}, checked against what the caller expects: the same names
     * with the same shapes, float32, finite (a file learned for another model is refused with what differs).
     */
    public static Map<String, Tensor> load(Path file, Map<String, Tensor> expected, String what, Arena arena) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(what + ": no file '" + file + "'");
        }
        Map<String, Tensor> loaded = new LinkedHashMap<>();
        try (SafetensorsFile stored = SafetensorsFile.open(file)) {
            if (stored.tensors().size() != expected.size()) {
                throw new UserInputException(what + ": '" + file + "' holds " + stored.tensors().size() + " tensors, this model has "
                        + expected.size());
            }
            for (Map.Entry<String, Tensor> entry : expected.entrySet()) {
                String name = entry.getKey();
                if (stored.find(name).isEmpty()) {
                    throw new UserInputException(what + ": '" + file + "' has no tensor '" + name + "'");
                }
                Tensor value = stored.tensor(name);
                if (value.dtype() != DType.F32 || !value.shape().equals(entry.getValue().shape())) {
                    throw new UserInputException(what + ": '" + file + "': '" + name + "' is " + value.dtype() + " " + value.shape()
                            + ", this model needs F32 " + entry.getValue().shape());
                }
                Tensor copy = Tensor.allocate(arena, DType.F32, value.shape());
                copy.data().copyFrom(value.data());
                for (long i = 0; i < copy.elementCount(); i++) {
                    if (!Float.isFinite(copy.getFloat(i))) {
                        throw new UserInputException(what + ": '" + file + "': '" + name + "' holds a non-finite value at " + i);
                    }
                }
                loaded.put(name, copy);
            }
        }
        return loaded;
    }
}
