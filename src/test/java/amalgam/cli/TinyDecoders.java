package amalgam.cli;

import amalgam.io.SafetensorsWriter;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Tiny LLaMA-style causal LMs written as Hugging Face folders (config.json, model.safetensors, tokenizer files),
 * seeded: hidden size {@value #HIDDEN}, MLP width {@value #INTERMEDIATE}, vocabulary {@value #VOCAB}, two query heads
 * and one key/value head of width 4.
 */
final class TinyDecoders {
    static final int HIDDEN = 8;
    static final int INTERMEDIATE = 12;
    static final int VOCAB = 10;
    static final String TOKENIZER_CONFIG = "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}\n";

    private TinyDecoders() {
    }

    /** A LLaMA model of {@code layers} layers with weights drawn from {@code seed}. */
    static Path llama(Path directory, int layers, long seed) {
        return write(directory, "llama", layers, seed, Map.of());
    }

    /**
     * A model of {@code modelType} (its config says so) with the LLaMA tensors of {@code layers} layers plus
     * {@code extra} tensors (name -> shape).
     */
    static Path write(Path directory, String modelType, int layers, long seed, Map<String, int[]> extra) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", random(random, VOCAB, HIDDEN));
        tensors.put("model.norm.weight", random(random, HIDDEN));
        tensors.put("lm_head.weight", random(random, VOCAB, HIDDEN));
        for (int layer = 0; layer < layers; layer++) {
            String prefix = "model.layers." + layer + ".";
            tensors.put(prefix + "input_layernorm.weight", random(random, HIDDEN));
            tensors.put(prefix + "post_attention_layernorm.weight", random(random, HIDDEN));
            tensors.put(prefix + "self_attn.q_proj.weight", random(random, HIDDEN, HIDDEN));
            tensors.put(prefix + "self_attn.k_proj.weight", random(random, 4, HIDDEN));
            tensors.put(prefix + "self_attn.v_proj.weight", random(random, 4, HIDDEN));
            tensors.put(prefix + "self_attn.o_proj.weight", random(random, HIDDEN, HIDDEN));
            tensors.put(prefix + "mlp.gate_proj.weight", random(random, INTERMEDIATE, HIDDEN));
            tensors.put(prefix + "mlp.up_proj.weight", random(random, INTERMEDIATE, HIDDEN));
            tensors.put(prefix + "mlp.down_proj.weight", random(random, HIDDEN, INTERMEDIATE));
        }
        extra.forEach((name, shape) -> tensors.put(name, random(random, shape)));
        String architecture = switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "LlamaForCausalLM";
        };
        String config = "{\n  \"architectures\": [\"" + architecture + "\"],\n  \"model_type\": \"" + modelType + "\",\n"
                + "  \"hidden_size\": " + HIDDEN + ",\n  \"intermediate_size\": " + INTERMEDIATE + ",\n  \"num_hidden_layers\": "
                + layers + ",\n  \"num_attention_heads\": 2,\n  \"num_key_value_heads\": 1,\n  \"head_dim\": 4,\n"
                + "  \"vocab_size\": " + VOCAB + ",\n  \"max_position_embeddings\": 64,\n  \"rms_norm_eps\": 1e-06,\n"
                + "  \"hidden_act\": \"silu\",\n  \"tie_word_embeddings\": false,\n"
                + (modelType.equals("mistral") ? "  \"sliding_window\": 4096,\n" : "")
                + "  \"torch_dtype\": \"float32\"\n}\n";
        ClipCheckpoints.save(directory, tensors, config, SafetensorsWriter.PT_FORMAT);
        try {
            Files.writeString(directory.resolve("tokenizer_config.json"), TOKENIZER_CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return directory;
    }

    private static Tensor random(Random random, int... shape) {
        int count = 1;
        for (int dim : shape) {
            count *= dim;
        }
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian() * 0.5f;
        }
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        return Tensor.ofFloats(values, dims);
    }
}
