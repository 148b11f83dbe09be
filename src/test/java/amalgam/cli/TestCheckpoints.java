package amalgam.cli;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.io.TensorInfo;
import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Test checkpoints derived from fixture models: copies with a tensor dropped, reshaped or stored in another dtype. */
final class TestCheckpoints {
    private TestCheckpoints() {
    }

    /** A CLIP model of the merge-tiny fixtures ("pretrained", "eurosat", ...). */
    static Path clip(String name) {
        return amalgam.testing.Fixtures.mergeTiny().resolve("clip").resolve(name);
    }

    /** A Llama model of the merge-tiny fixtures ("base", "math", ...). */
    static Path llama(String name) {
        return amalgam.testing.Fixtures.mergeTiny().resolve("llama").resolve(name);
    }

    /**
     * A new pool file under {@code temp}/pools of the pretrained CLIP, {@code first} and one more fixture task; the
     * model's pool name is its folder's.
     */
    static Path poolWith(Path temp, Path first) throws IOException {
        String text = "models:\n  _pretrained_: " + clip("pretrained") + "\n  " + first.getFileName() + ": " + first
                + "\n  eurosat: " + clip("eurosat") + "\n";
        Path directory = Files.createDirectories(temp.resolve("pools"));
        return Files.writeString(Files.createTempFile(directory, "pool", ".yaml"), text);
    }

    /** Every tensor of a checkpoint as float32 values, by name. */
    static Map<String, float[]> floats(Path model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            for (TensorInfo info : checkpoint.tensors()) {
                values.put(info.name(), checkpoint.tensor(info.name()).toFloatArray());
            }
        }
        return values;
    }

    /**
     * Copies {@code source} (config.json and weights) to {@code target}, letting {@code edit} change the tensors
     * first (the map holds float32 copies in an arena that lives until the copy is written).
     */
    static Path copy(Path source, Path target, Consumer<Edit> edit) {
        try (Checkpoint checkpoint = Checkpoint.open(source); Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : checkpoint.tensors()) {
                tensors.put(info.name(), Convert.toF32(checkpoint.tensor(info.name()), arena));
            }
            edit.accept(new Edit(tensors, arena));
            Files.createDirectories(target);
            Path config = source.resolve("config.json");
            if (Files.exists(config)) {
                Files.copy(config, target.resolve("config.json"));
            }
            write(target.resolve("model.safetensors"), tensors);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, Map<String, Tensor> tensors) {
        List<TensorEntry> entries = new ArrayList<>();
        tensors.forEach((name, tensor) -> entries.add(new TensorEntry(name, tensor.dtype(), tensor.shape())));
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, entries, SafetensorsWriter.NO_METADATA)) {
            tensors.forEach(writer::write);
            writer.commit();
        }
    }

    /** The tensors of a copy being made. */
    record Edit(Map<String, Tensor> tensors, Arena arena) {
        /** Stores the tensor in {@code dtype} (rounded to nearest even). */
        void convert(String name, DType dtype) {
            Tensor f32 = tensors.get(name);
            Tensor converted = Tensor.allocate(arena, dtype, f32.shape());
            Convert.fromF32(f32.data(), converted);
            tensors.put(name, converted);
        }

        /** Keeps the tensor F32 but rounds its values through {@code dtype}. */
        void roundThrough(String name, DType dtype) {
            convert(name, dtype);
            tensors.put(name, Convert.toF32(tensors.get(name), arena));
        }

        /** Drops the last column of a 2-D tensor. */
        void dropLastColumn(String name) {
            Tensor t = tensors.get(name);
            long rows = t.shape().dim(0);
            long cols = t.shape().dim(1);
            float[] values = new float[Math.toIntExact(rows * (cols - 1))];
            for (long r = 0; r < rows; r++) {
                for (long c = 0; c < cols - 1; c++) {
                    values[(int) (r * (cols - 1) + c)] = t.getFloat(r * cols + c);
                }
            }
            tensors.put(name, Tensor.ofFloats(values, rows, cols - 1));
        }
    }

    /** Names left next to an output path: the output itself and any hidden staging directories. */
    static List<String> leftovers(Path output) throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        if (!Files.exists(parent)) {
            return List.of();
        }
        String name = output.getFileName().toString();
        try (Stream<Path> children = Files.list(parent)) {
            return children.map(p -> p.getFileName().toString())
                    .filter(n -> n.equals(name) || n.startsWith("." + name)).sorted().toList();
        }
    }

    /**
     * A pool file as FusionBench's {@code gpt-2_glue} writes it: every model loaded as a {@code transformers.GPT2Model}
     * backbone, {@code _pretrained_} first, then the task models by name.
     */
    @SafeVarargs
    static Path gpt2BackbonePool(Path file, Path pretrained, Map.Entry<String, Path>... tasks) throws IOException {
        StringBuilder text = new StringBuilder("""
                _target_: fusion_bench.modelpool.HuggingFaceGPT2ClassificationPool
                _model_loader: transformers.GPT2Model.from_pretrained
                models:
                """);
        java.util.SequencedMap<String, Path> models = new java.util.LinkedHashMap<>();
        models.put("_pretrained_", pretrained);
        for (Map.Entry<String, Path> task : tasks) {
            models.put(task.getKey(), task.getValue());
        }
        models.forEach((name, path) -> text.append("  ").append(name).append(":\n    _target_: ${..._model_loader}\n")
                .append("    pretrained_model_name_or_path: ").append(path).append('\n'));
        return Files.writeString(file, text);
    }
}
