package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * How a FusionBench pool entry's {@code _target_} loads a checkpoint, as far as it decides which tensors are the model:
 * the whole checkpoint ({@code AutoModelFor...}, {@code CLIPModel}, ...), the vision tower of any CLIP checkpoint
 * ({@code CLIPVisionModel}), or the GPT-2 backbone of a GPT-2 checkpoint with or without a head ({@code GPT2Model}:
 * Hugging Face strips the {@code transformer.} prefix of a model with a head and drops the head).
 */
enum ModelLoader {
    WHOLE(null, UnaryOperator.identity()),
    CLIP_VISION("CLIPVisionModel", SubModelView::visionTower),
    GPT2_BACKBONE("GPT2Model", SubModelView::gpt2Backbone);

    private static final Set<String> WHOLE_MODEL_CLASSES = Set.of("AutoModel", "AutoModelForCausalLM", "AutoModelForSeq2SeqLM",
            "AutoModelForSequenceClassification", "AutoModelForImageClassification", "CLIPModel", "CLIPVisionModelWithProjection",
            "GPT2ForSequenceClassification", "GPT2LMHeadModel", "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM",
            "T5ForConditionalGeneration");

    private final String architecture;
    private final UnaryOperator<ModelSource> view;

    ModelLoader(String architecture, UnaryOperator<ModelSource> view) {
        this.architecture = architecture;
        this.view = view;
    }

    /** The loader a {@code _target_} such as {@code transformers.CLIPVisionModel.from_pretrained} names. */
    static ModelLoader of(String target, String where) {
        String prefix = "transformers.";
        String suffix = ".from_pretrained";
        if (target.startsWith(prefix) && target.endsWith(suffix)) {
            String modelClass = target.substring(prefix.length(), target.length() - suffix.length());
            if (modelClass.equals("CLIPVisionModel")) {
                return CLIP_VISION;
            }
            if (modelClass.equals("GPT2Model")) {
                return GPT2_BACKBONE;
            }
            if (WHOLE_MODEL_CLASSES.contains(modelClass)) {
                return WHOLE;
            }
        }
        throw new UserInputException(where + ": loader '" + target + "' is not supported; supported: transformers.CLIPVisionModel,"
                + " transformers.GPT2Model and whole-model classes (" + String.join(", ", List.copyOf(new java.util.TreeSet<>(WHOLE_MODEL_CLASSES)))
                + "), each .from_pretrained, and fusion_bench.modelpool.seq2seq_lm.modelpool.load_lora_model");
    }

    /** The model this loader makes of a checkpoint's tensors. */
    ModelSource view(ModelSource checkpoint) {
        return view.apply(checkpoint);
    }

    /** Whether the fused model is a sub-model of the checkpoints, whose config.json must say so. */
    boolean changesArchitecture() {
        return architecture != null;
    }

    /**
     * The fused model's config.json made from the reference checkpoint's: for a CLIP vision tower of a full CLIP
     * checkpoint its {@code vision_config} (with the top-level {@code projection_dim} and dtype), and in every case
     * {@code architectures} naming the loaded class.
     */
    String configJson(JsonNode reference) {
        ObjectNode config;
        if (this == CLIP_VISION && reference.path("model_type").asText("").equals("clip")
                && reference.get("vision_config") instanceof ObjectNode nested) {
            config = nested.deepCopy();
            for (String key : List.of("projection_dim", "torch_dtype", "transformers_version")) {
                if (!config.has(key) && reference.has(key)) {
                    config.set(key, reference.get(key));
                }
            }
            config.put("model_type", "clip_vision_model");
        } else {
            config = reference instanceof ObjectNode object ? object.deepCopy() : JsonNodeFactory.instance.objectNode();
        }
        config.set("architectures", JsonNodeFactory.instance.arrayNode().add(architecture));
        return config.toPrettyString() + "\n";
    }
}
