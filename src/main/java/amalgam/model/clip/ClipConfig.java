package amalgam.model.clip;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.io.CacheLinks;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A Hugging Face CLIP configuration ({@code CLIPConfig} with {@code text_config} and {@code vision_config}, or a
 * bare {@code CLIPVisionConfig}), with Hugging Face's defaults for absent keys.
 *
 * @param vision         the vision tower
 * @param text           the text tower, or null for a vision-only checkpoint
 * @param projectionDim  width of the shared image/text embedding space
 */
public record ClipConfig(Tower vision, Tower text, int projectionDim) {
    /**
     * One transformer tower.
     *
     * @param eosTokenId    text only: the end-of-text id that marks the pooled position
     * @param imageSize     vision only
     * @param patchSize     vision only
     * @param vocabSize     text only
     * @param maxPositions  text only: max_position_embeddings
     */
    public record Tower(int hiddenSize, int intermediateSize, int layers, int heads, Activation activation,
                       float layerNormEps, int imageSize, int patchSize, int channels, int vocabSize, int maxPositions,
                       long eosTokenId) {
        public int headDimension() {
            return hiddenSize / heads;
        }

        /** Patches per image side; the sequence is 1 + patchesPerSide² tokens. */
        public int patchesPerSide() {
            return imageSize / patchSize;
        }
    }

    /** The MLP activation, as named by {@code hidden_act}. */
    public enum Activation {
        QUICK_GELU, GELU
    }

    public static ClipConfig read(Path file) {
        try {
            return parse(new ObjectMapper().readTree(ConfigFiles.readText(CacheLinks.resolve(file), "CLIP config")), "'" + file + "'");
        } catch (IOException e) {
            throw new UserInputException("cannot read CLIP config '" + file + "': " + e.getMessage(), e);
        }
    }

    static ClipConfig parse(JsonNode root, String where) {
        if (!root.isObject()) {
            throw new UserInputException(where + " is not a JSON object");
        }
        String type = root.path("model_type").asText("clip");
        if (type.equals("clip_vision_model")) {
            return new ClipConfig(vision(root, where), null, integer(root, "projection_dim", 512, where));
        }
        JsonNode vision = root.get("vision_config");
        JsonNode text = root.get("text_config");
        if (vision == null || !vision.isObject()) {
            throw new UserInputException(where + ": key 'vision_config' is missing (expected a CLIPConfig or CLIPVisionConfig)");
        }
        return new ClipConfig(vision(vision, where + " vision_config"),
                text == null ? null : text(text, where + " text_config"), integer(root, "projection_dim", 512, where));
    }

    private static Tower vision(JsonNode node, String where) {
        Tower tower = new Tower(integer(node, "hidden_size", 768, where), integer(node, "intermediate_size", 3072, where),
                integer(node, "num_hidden_layers", 12, where), integer(node, "num_attention_heads", 12, where),
                activation(node, where), (float) node.path("layer_norm_eps").asDouble(1e-5),
                integer(node, "image_size", 224, where), integer(node, "patch_size", 32, where),
                integer(node, "num_channels", 3, where), 0, 0, -1);
        check(tower.hiddenSize() % tower.heads() == 0, where, "hidden_size", "must be divisible by num_attention_heads");
        check(tower.imageSize() % tower.patchSize() == 0, where, "image_size", "must be divisible by patch_size");
        return tower;
    }

    private static Tower text(JsonNode node, String where) {
        Tower tower = new Tower(integer(node, "hidden_size", 512, where), integer(node, "intermediate_size", 2048, where),
                integer(node, "num_hidden_layers", 12, where), integer(node, "num_attention_heads", 8, where),
                activation(node, where), (float) node.path("layer_norm_eps").asDouble(1e-5), 0, 0, 0,
                integer(node, "vocab_size", 49408, where), integer(node, "max_position_embeddings", 77, where),
                node.path("eos_token_id").asLong(49407));
        check(tower.hiddenSize() % tower.heads() == 0, where, "hidden_size", "must be divisible by num_attention_heads");
        return tower;
    }

    private static Activation activation(JsonNode node, String where) {
        String name = node.path("hidden_act").asText("quick_gelu");
        return switch (name) {
            case "quick_gelu" -> Activation.QUICK_GELU;
            case "gelu" -> Activation.GELU;
            default -> throw new UserInputException(where + ": key 'hidden_act' has unsupported activation '" + name
                    + "' (supported: quick_gelu, gelu)");
        };
    }

    private static int integer(JsonNode node, String key, int fallback, String where) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToInt() || !value.isIntegralNumber() || value.intValue() <= 0) {
            throw new UserInputException(where + ": key '" + key + "' must be a positive integer, got " + value);
        }
        return value.intValue();
    }

    private static void check(boolean condition, String where, String key, String problem) {
        if (!condition) {
            throw new UserInputException(where + ": key '" + key + "' " + problem);
        }
    }
}
