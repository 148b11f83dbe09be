package amalgam.fusion.upscale;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * The model families whose layer list depth upscaling rebuilds: where the layers' tensors live and which config.json
 * field holds their count.
 */
enum LayeredArchitecture {
    /** A CLIP vision tower ({@code CLIPVisionModel}, or the vision tower of a whole {@code CLIPModel}). */
    CLIP_VISION("vision_model.encoder.layers.", "a CLIP vision model", Set.of("clip_vision_model", "clip")),
    /** A LLaMA-family decoder ({@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM}). */
    DECODER("model.layers.", "a LLaMA, Mistral or Qwen2 causal LM", Set.of("llama", "mistral", "qwen2"));

    private static final String LAYER_COUNT = "num_hidden_layers";
    /** Per-layer attention kinds of newer configs (Qwen2's sliding or full attention), one entry per layer. */
    private static final String LAYER_TYPES = "layer_types";

    private final String prefix;
    private final String description;
    private final Set<String> modelTypes;

    LayeredArchitecture(String prefix, String description, Set<String> modelTypes) {
        this.prefix = prefix;
        this.description = description;
        this.modelTypes = modelTypes;
    }

    /** Tensor names of layer i begin with {@code prefix() + i + "."}. */
    String prefix() {
        return prefix;
    }

    String description() {
        return description;
    }

    /**
     * The config of the model whose layers are the source model's {@code order} (it had {@code layerCount}): the layer
     * count set where this family keeps it and per-layer lists reordered with the layers.
     */
    ObjectNode withLayers(ObjectNode config, List<Integer> order, int layerCount, String model, String method) {
        String modelType = config.path("model_type").asText("");
        if (!modelTypes.contains(modelType)) {
            throw new UserInputException("method '" + method + "': model '" + model + "' holds the layers of " + description
                    + " but its config.json says model_type '" + modelType + "'; amalgam rebuilds the layer list of CLIP vision"
                    + " models (clip, clip_vision_model) and of LLaMA, Mistral and Qwen2 causal LMs (llama, mistral, qwen2)");
        }
        // a whole CLIPModel keeps the vision tower's settings in vision_config
        ObjectNode layered = modelType.equals("clip") ? visionConfig(config, model, method) : config;
        JsonNode written = layered.get(LAYER_COUNT);
        if (written != null && (!written.canConvertToInt() || written.asInt() != layerCount)) {
            throw new UserInputException("method '" + method + "': model '" + model + "' has " + layerCount + " layers in its"
                    + " weights but its config.json says " + LAYER_COUNT + ": " + written);
        }
        layered.put(LAYER_COUNT, order.size());
        if (layered.get(LAYER_TYPES) instanceof ArrayNode types && types.size() == layerCount) {
            ArrayNode reordered = layered.arrayNode();
            order.forEach(source -> reordered.add(types.get(source)));
            layered.set(LAYER_TYPES, reordered);
        }
        return config;
    }

    private static ObjectNode visionConfig(ObjectNode config, String model, String method) {
        if (!(config.get("vision_config") instanceof ObjectNode vision)) {
            throw new UserInputException("method '" + method + "': model '" + model + "' is a CLIP model whose config.json has"
                    + " no vision_config to hold the vision tower's new layer count");
        }
        return vision;
    }
}
