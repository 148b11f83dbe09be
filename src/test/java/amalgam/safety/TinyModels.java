package amalgam.safety;

import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorEntry;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Small Llama-shaped checkpoints made by the tests themselves (a base and fine-tunes that differ from it by seeded
 * noise), with a mergekit config and a FusionBench pool over them.
 */
final class TinyModels {
    static final List<String> TENSORS = tensorNames();
    private static final String CONFIG = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32, "num_hidden_layers": 2,
             "intermediate_size": 32, "num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 64, "torch_dtype": "float32"}
            """;

    private TinyModels() {
    }

    /** Every tensor of a two-layer Llama: embeddings and head (vocabulary rows), projections, norms. */
    private static List<String> tensorNames() {
        List<String> names = new java.util.ArrayList<>(List.of("model.embed_tokens.weight"));
        for (int layer = 0; layer < 2; layer++) {
            for (String part : List.of("input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                    "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                names.add("model.layers." + layer + "." + part + ".weight");
            }
        }
        names.addAll(List.of("model.norm.weight", "lm_head.weight"));
        return List.copyOf(names);
    }

    /** base, task_a, task_b under {@code root} (every matrix rows × 32 floats: {@code rows} sets the size). */
    static Path create(Path root, int rows) {
        try {
            for (int model = 0; model < 3; model++) {
                Path directory = Files.createDirectories(root.resolve(model == 0 ? "base" : model == 1 ? "task_a" : "task_b"));
                Files.writeString(directory.resolve("config.json"), CONFIG);
                write(directory.resolve("model.safetensors"), rows, model);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TIES config over the three models (relative paths, so it must run in {@code root}... or absolute). */
    static Path tiesConfig(Path root, Path file) throws IOException {
        return Files.writeString(file, "merge_method: ties\nbase_model: " + root.resolve("base") + "\nmodels:\n"
                + "  - model: " + root.resolve("task_a") + "\n    parameters: {weight: 1.0, density: 0.5}\n"
                + "  - model: " + root.resolve("task_b") + "\n    parameters: {weight: 0.7, density: 0.6}\n"
                + "parameters: {normalize: true}\ndtype: float32\n");
    }

    static Path pool(Path root, Path file) throws IOException {
        return Files.writeString(file, "models:\n  _pretrained_: " + root.resolve("base") + "\n  task_a: "
                + root.resolve("task_a") + "\n  task_b: " + root.resolve("task_b") + "\n");
    }

    private static void write(Path file, int rows, int model) {
        List<TensorEntry> entries = TENSORS.stream()
                .map(name -> new TensorEntry(name, DType.F32, name.endsWith("norm.weight") ? Shape.of(32) : Shape.of(rows, 32)))
                .toList();
        Random base = new Random(11);
        Random delta = new Random(100 + model);
        try (Arena arena = Arena.ofConfined(); SafetensorsWriter writer = SafetensorsWriter.create(file, entries, SafetensorsWriter.NO_METADATA)) {
            for (TensorEntry entry : entries) {
                Tensor tensor = Tensor.allocate(arena, DType.F32, entry.shape());
                for (long i = 0; i < entry.shape().elementCount(); i++) {
                    float value = (float) base.nextGaussian() * 0.1f;
                    if (model > 0) {
                        value += (float) delta.nextGaussian() * 0.01f;
                    }
                    tensor.setFloat(i, value);
                }
                writer.write(entry.name(), tensor);
            }
            writer.commit();
        }
    }
}
