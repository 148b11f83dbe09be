package amalgam.model.clip;

import amalgam.tensor.Shape;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Hugging Face key names and expected shapes of a CLIP checkpoint for a given config. */
public final class ClipKeys {
    static final String VISION = "vision_model.";
    static final String TEXT = "text_model.";

    private ClipKeys() {
    }

    /** Every weight the model reads, with its shape; {@code withProjection} adds visual_projection. */
    public static Map<String, Shape> expected(ClipConfig config, boolean withVisualProjection) {
        Map<String, Shape> keys = new LinkedHashMap<>();
        ClipConfig.Tower v = config.vision();
        int positions = 1 + v.patchesPerSide() * v.patchesPerSide();
        keys.put(VISION + "embeddings.class_embedding", Shape.of(v.hiddenSize()));
        keys.put(VISION + "embeddings.patch_embedding.weight", Shape.of(v.hiddenSize(), v.channels(), v.patchSize(), v.patchSize()));
        keys.put(VISION + "embeddings.position_embedding.weight", Shape.of(positions, v.hiddenSize()));
        norm(keys, VISION + "pre_layrnorm", v.hiddenSize());
        layers(keys, VISION, v);
        norm(keys, VISION + "post_layernorm", v.hiddenSize());
        if (withVisualProjection) {
            keys.put("visual_projection.weight", Shape.of(config.projectionDim(), v.hiddenSize()));
        }
        ClipConfig.Tower t = config.text();
        if (t != null) {
            keys.put(TEXT + "embeddings.token_embedding.weight", Shape.of(t.vocabSize(), t.hiddenSize()));
            keys.put(TEXT + "embeddings.position_embedding.weight", Shape.of(t.maxPositions(), t.hiddenSize()));
            layers(keys, TEXT, t);
            norm(keys, TEXT + "final_layer_norm", t.hiddenSize());
            keys.put("text_projection.weight", Shape.of(config.projectionDim(), t.hiddenSize()));
            keys.put("logit_scale", Shape.of());
        }
        return keys;
    }

    /**
     * The vision tower's parameters in the order torch's {@code named_parameters()} lists them for Hugging Face's
     * {@code CLIPVisionTransformer} (attention k, v, q, out; layer_norm1; mlp; layer_norm2): the order in which
     * FusionBench indexes per-parameter tables such as layer-wise AdaMerging weights.
     */
    public static java.util.List<String> visionParameterOrder(ClipConfig config) {
        ClipConfig.Tower v = config.vision();
        java.util.List<String> names = new java.util.ArrayList<>();
        names.add(VISION + "embeddings.class_embedding");
        names.add(VISION + "embeddings.patch_embedding.weight");
        names.add(VISION + "embeddings.position_embedding.weight");
        names.add(VISION + "pre_layrnorm.weight");
        names.add(VISION + "pre_layrnorm.bias");
        for (int layer = 0; layer < v.layers(); layer++) {
            String prefix = VISION + "encoder.layers." + layer + ".";
            for (String part : new String[] {"self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj", "self_attn.out_proj",
                "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2"}) {
                names.add(prefix + part + ".weight");
                names.add(prefix + part + ".bias");
            }
        }
        names.add(VISION + "post_layernorm.weight");
        names.add(VISION + "post_layernorm.bias");
        return names;
    }

    private static void layers(Map<String, Shape> keys, String tower, ClipConfig.Tower config) {
        int d = config.hiddenSize();
        for (int layer = 0; layer < config.layers(); layer++) {
            String prefix = tower + "encoder.layers." + layer + ".";
            for (String projection : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                linear(keys, prefix + "self_attn." + projection, d, d);
            }
            norm(keys, prefix + "layer_norm1", d);
            norm(keys, prefix + "layer_norm2", d);
            linear(keys, prefix + "mlp.fc1", config.intermediateSize(), d);
            linear(keys, prefix + "mlp.fc2", d, config.intermediateSize());
        }
    }

    private static void linear(Map<String, Shape> keys, String name, int out, int in) {
        keys.put(name + ".weight", Shape.of(out, in));
        keys.put(name + ".bias", Shape.of(out));
    }

    private static void norm(Map<String, Shape> keys, String name, int width) {
        keys.put(name + ".weight", Shape.of(width));
        keys.put(name + ".bias", Shape.of(width));
    }
}
