package amalgam.fusion.upscale;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * The config.json of the Mixtral built from a LLaMA or Mistral model, as FusionBench (after mergekit) converts it:
 * every field of the base model's config carried over, then {@code architectures: ["MixtralForCausalLM"]},
 * {@code model_type: mixtral}, {@code num_local_experts}, {@code num_experts_per_tok} and {@code sliding_window: null}
 * (full attention: a LLaMA model has no window, and FusionBench clears a Mistral model's). The router settings
 * Hugging Face's MixtralConfig would write with its defaults are added when absent
 * ({@code output_router_logits: false}, {@code router_aux_loss_coef: 0.001}, {@code router_jitter_noise: 0.0}).
 */
final class MixtralConfig {
    /** The families mergekit's Mixtral output accepts (their decoder layers are Mixtral's but for the MLP). */
    private static final Set<String> SOURCE_TYPES = Set.of("llama", "mistral");

    private MixtralConfig() {
    }

    static ObjectNode from(ObjectNode config, int experts, int expertsPerToken, String model, String method) {
        String modelType = config.path("model_type").asText("");
        if (!SOURCE_TYPES.contains(modelType)) {
            throw new UserInputException("method '" + method + "' builds a Mixtral from LLaMA or Mistral models (model_type llama"
                    + " or mistral); model '" + model + "' has model_type '" + modelType + "'");
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            if (config.path(bias).asBoolean(false)) {
                throw new UserInputException("method '" + method + "': model '" + model + "' has " + bias + ": true, but Mixtral's"
                        + " attention and experts have no biases");
            }
        }
        config.putArray("architectures").add("MixtralForCausalLM");
        config.put("model_type", "mixtral");
        config.put("num_local_experts", experts);
        config.put("num_experts_per_tok", expertsPerToken);
        config.putNull("sliding_window");
        putIfAbsent(config, "output_router_logits", false);
        if (!config.has("router_aux_loss_coef")) {
            config.put("router_aux_loss_coef", 0.001);
        }
        if (!config.has("router_jitter_noise")) {
            config.put("router_jitter_noise", 0.0);
        }
        return config;
    }

    private static void putIfAbsent(ObjectNode config, String key, boolean value) {
        if (!config.has(key)) {
            config.put(key, value);
        }
    }
}
