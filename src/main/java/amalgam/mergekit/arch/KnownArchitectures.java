package amalgam.mergekit.arch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Architecture definitions for common causal LMs, written as data like mergekit's JSON templates. Any class not
 * listed here is handled by {@link Architecture#infer}.
 */
public final class KnownArchitectures {
    private static final WeightSpec EMBED = new WeightSpec("model.embed_tokens.weight", true, false, List.of(), List.of());
    private static final WeightSpec NORM = WeightSpec.plain("model.norm.weight");
    private static final WeightSpec HEAD = new WeightSpec("lm_head.weight", true, true, List.of(),
            List.of("model.embed_tokens.weight"));
    private static final String LAYER = "model.layers." + WeightSpec.LAYER_INDEX + ".";

    private static final Architecture LLAMA = decoder("llama", false);
    private static final Architecture QWEN2 = decoder("qwen2", true);
    private static final Map<String, Architecture> BY_CLASS = Map.of(
            "LlamaForCausalLM", LLAMA,
            "MistralForCausalLM", LLAMA,
            "Qwen2ForCausalLM", QWEN2);

    private KnownArchitectures() {
    }

    /** The definition for a {@code config.architectures[0]} class name, if known. */
    public static Optional<Architecture> forClass(String architectureClass) {
        return Optional.ofNullable(BY_CLASS.get(architectureClass));
    }

    private static Architecture decoder(String name, boolean qkvBias) {
        List<WeightSpec> layer = new ArrayList<>();
        layer.add(WeightSpec.plain(LAYER + "input_layernorm.weight"));
        for (String projection : List.of("q_proj", "k_proj", "v_proj")) {
            layer.add(WeightSpec.plain(LAYER + "self_attn." + projection + ".weight"));
            if (qkvBias) {
                layer.add(WeightSpec.plain(LAYER + "self_attn." + projection + ".bias"));
            }
        }
        layer.add(WeightSpec.plain(LAYER + "self_attn.o_proj.weight"));
        layer.add(WeightSpec.plain(LAYER + "post_attention_layernorm.weight"));
        for (String projection : List.of("up_proj", "gate_proj", "down_proj")) {
            layer.add(WeightSpec.plain(LAYER + "mlp." + projection + ".weight"));
        }
        return new Architecture(name, List.of(EMBED), layer, List.of(NORM, HEAD), "num_hidden_layers");
    }
}
