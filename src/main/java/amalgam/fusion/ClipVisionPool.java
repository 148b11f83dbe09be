package amalgam.fusion;

import amalgam.io.ConfigFiles;
import amalgam.io.StrictJson;
import amalgam.merge.CheckpointModelSource;
import amalgam.merge.ModelSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * FusionBench's {@code CLIPVisionModelPool}: every entry is loaded as a {@code CLIPVisionModel} (its vision tower),
 * whether the checkpoint is a full {@code CLIPModel} (as {@code openai/clip-vit-base-patch32}, the published pools'
 * pretrained model) or a vision-only fine-tune (as {@code tanganke/clip-vit-base-patch32_TASK}); the fused model is a
 * {@code CLIPVisionModel}. A pool is read this way when its file says {@code _target_: ...CLIPVisionModelPool}, or
 * when its models mix full CLIP and vision-only checkpoints (then nothing else could be merged).
 */
final class ClipVisionPool {
    private static final String TARGET = "CLIPVisionModelPool";

    private ClipVisionPool() {
    }

    /** Whether the pool in {@code document} with the opened checkpoints is read as CLIP vision models. */
    static boolean applies(Object document, List<CheckpointModelSource> opened) {
        if (document instanceof Map<?, ?> root && root.get("_target_") instanceof String target
                && (target.equals(TARGET) || target.endsWith("." + TARGET))) {
            return true;
        }
        boolean full = false;
        boolean visionOnly = false;
        for (CheckpointModelSource source : opened) {
            String type = modelType(source.checkpoint().directory());
            full |= type.equals("clip");
            visionOnly |= type.equals("clip_vision_model");
        }
        return full && visionOnly;
    }

    /** The pool with every model seen as its vision tower. */
    static ModelPool view(ModelPool pool) {
        return new ModelPool(pool.allModels().stream().map(ClipVisionPool::tower).toList());
    }

    private static ModelSource tower(ModelSource source) {
        return source instanceof VisionTowerView ? source : new VisionTowerView(source);
    }

    /**
     * The fused model's config.json: a {@code CLIPVisionModel} config made from the reference model's, which for a
     * full CLIP checkpoint is its {@code vision_config} (with the top-level {@code projection_dim} and dtype).
     */
    static String visionConfigJson(Path referenceDirectory) {
        JsonNode root = config(referenceDirectory);
        ObjectNode vision;
        if (root.path("model_type").asText("").equals("clip") && root.get("vision_config") instanceof ObjectNode nested) {
            vision = nested.deepCopy();
            copyIfAbsent(root, vision, "projection_dim");
            copyIfAbsent(root, vision, "torch_dtype");
            copyIfAbsent(root, vision, "transformers_version");
        } else {
            vision = root instanceof ObjectNode object ? object.deepCopy() : JsonNodeFactory.instance.objectNode();
        }
        vision.set("architectures", JsonNodeFactory.instance.arrayNode().add("CLIPVisionModel"));
        vision.put("model_type", "clip_vision_model");
        return vision.toPrettyString() + "\n";
    }

    private static void copyIfAbsent(JsonNode from, ObjectNode to, String key) {
        if (!to.has(key) && from.has(key)) {
            to.set(key, from.get(key));
        }
    }

    /** The config's model_type; "" when there is no readable config (not a CLIP model: other readers report it). */
    private static String modelType(Path directory) {
        if (!Files.isRegularFile(directory.resolve("config.json"))) {
            return "";
        }
        try {
            return config(directory).path("model_type").asText("");
        } catch (amalgam.UserInputException e) {
            return "";
        }
    }

    private static JsonNode config(Path directory) {
        Path file = directory.resolve("config.json");
        String text = ConfigFiles.readText(file, "model config");
        return StrictJson.parse(text.getBytes(StandardCharsets.UTF_8), "model config '" + file + "'");
    }
}
