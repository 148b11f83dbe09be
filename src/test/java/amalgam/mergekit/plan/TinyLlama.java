package amalgam.mergekit.plan;

import amalgam.merge.InMemoryModelSource;
import amalgam.merge.ModelSource;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tiny Llama-layout models in memory, every element of a tensor equal to {@code tag·1000 + layer} (layer −1 outside
 * the layers), plus a directory per model holding its config.json so the Llama definition is used.
 */
final class TinyLlama {
    static final List<String> LAYER_WEIGHTS = List.of("input_layernorm.weight", "self_attn.q_proj.weight",
            "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "post_attention_layernorm.weight", "mlp.up_proj.weight", "mlp.gate_proj.weight", "mlp.down_proj.weight");

    private final Path root;
    private final Map<Path, ModelSource> sources = new HashMap<>();

    TinyLlama(Path root) {
        this.root = root;
    }

    /** Adds model {@code name} with {@code layers} layers; {@code head} adds an untied lm_head. */
    TinyLlama add(String name, int tag, int layers, boolean head) {
        Map<String, Tensor> tensors = new HashMap<>();
        tensors.put("model.embed_tokens.weight", filled(tag * 1000 - 1, 4, 2));
        tensors.put("model.norm.weight", filled(tag * 1000 - 2, 2));
        if (head) {
            tensors.put("lm_head.weight", filled(tag * 1000 - 3, 4, 2));
        }
        for (int layer = 0; layer < layers; layer++) {
            for (String weight : LAYER_WEIGHTS) {
                tensors.put("model.layers." + layer + "." + weight, weight.contains("norm")
                        ? filled(tag * 1000 + layer, 2) : filled(tag * 1000 + layer, 2, 2));
            }
        }
        Path directory = root.resolve(name);
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], "
                    + "\"num_hidden_layers\": " + layers + ", \"torch_dtype\": \"float32\"}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sources.put(directory, new InMemoryModelSource(name, tensors));
        return this;
    }

    ModelSource open(Path path) {
        ModelSource source = sources.get(path);
        if (source == null) {
            throw new IllegalArgumentException("no model at " + path);
        }
        return source;
    }

    Path resolve(String path) {
        return root.resolve(path);
    }

    static Tensor filled(float value, long... dims) {
        long n = 1;
        for (long dim : dims) {
            n *= dim;
        }
        float[] values = new float[(int) n];
        java.util.Arrays.fill(values, value);
        return Tensor.ofFloats(values, dims);
    }
}
