package amalgam.fusion;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One model of a FusionBench model pool file: a checkpoint (a path or hub id, read by a {@link ModelLoader}) or a LoRA
 * adapter folded into its base model ({@code fusion_bench.modelpool.seq2seq_lm.modelpool.load_lora_model}, which
 * merges and unloads by default).
 */
sealed interface PoolEntry {
    String name();

    /**
     * A checkpoint read by {@code loader}; {@code torchDtype} (null: not given) is the dtype FusionBench would load it in;
     * {@code headTask} (null: not given) is the {@code dataset_name} an image-classification pool sizes the model's
     * head for.
     */
    record Checkpoint(String name, String path, ModelLoader loader, String torchDtype, String headTask) implements PoolEntry {
        Checkpoint(String name, String path, ModelLoader loader, String torchDtype) {
            this(name, path, loader, torchDtype, null);
        }
    }

    /** The base checkpoint with the PEFT LoRA adapter folded in. */
    record LoraFolded(String name, String basePath, String adapterPath) implements PoolEntry {
    }

    /** The pool-level {@code _target_}s whose models this reads as FusionBench does. */
    Set<String> POOLS = Set.of("CLIPVisionModelPool", "CausalLMPool", "CausalLMBackbonePool", "Seq2SeqLMPool", "HuggingFaceGPT2ClassificationPool",
            "GPT2ForSequenceClassificationPool", "SequenceClassificationModelPool", "AutoModelPool", "BaseModelPool",
            "ConvNextForImageClassificationPool", "ResNetForImageClassificationPool");
    /** Pools whose models FusionBench merges at one target module only, each task keeping its own head. */
    Map<String, String> BACKBONES = Map.of("ConvNextForImageClassificationPool", "convnext.", "ResNetForImageClassificationPool", "resnet.");
    /** The mapping form of an image-classification pool's model ({@code load_transformers_convnext/resnet}). */
    Set<String> BACKBONE_ENTRY_KEYS = Set.of("config_path", "pretrained", "dataset_name");
    String LORA_LOADER = "load_lora_model";
    Set<String> CHECKPOINT_KEYS = Set.of("_target_", "pretrained_model_name_or_path", "torch_dtype");
    Set<String> LORA_KEYS = Set.of("_target_", "base_model_path", "peft_model_path", "is_trainable", "merge_and_unload");

    /** The entries of a pool document ({@code models:} name -> path or loader mapping), in order. */
    static List<PoolEntry> parse(Object document, String file) {
        if (!(document instanceof Map<?, ?> root) || !(root.get("models") instanceof Map<?, ?> models)) {
            throw new UserInputException("model pool '" + file + "' needs a 'models:' mapping of name: path");
        }
        ModelLoader defaultLoader = defaultLoader(root.get("_target_"), file);
        boolean backbonePool = backbone(document).isPresent();
        checkResNetType(root, file);
        String poolDtype = root.get("model_kwargs") instanceof Map<?, ?> kwargs && kwargs.get("torch_dtype") != null
                ? String.valueOf(kwargs.get("torch_dtype")) : null;
        List<PoolEntry> entries = new ArrayList<>();
        models.forEach((key, value) -> entries.add(backbonePool && value instanceof Map<?, ?> fields
                ? backboneEntry(String.valueOf(key), fields, file)
                : entry(String.valueOf(key), value, defaultLoader, poolDtype, file)));
        if (entries.isEmpty()) {
            throw new UserInputException("model pool '" + file + "' lists no models");
        }
        return entries;
    }

    /** The tensor-name prefix of the only module a pool's merge changes ({@code convnext.}), if the pool has one. */
    static java.util.Optional<String> backbone(Object document) {
        if (document instanceof Map<?, ?> root && root.get("_target_") instanceof String target) {
            return java.util.Optional.ofNullable(BACKBONES.get(target.substring(target.lastIndexOf('.') + 1)));
        }
        return java.util.Optional.empty();
    }

    /**
     * FusionBench's ResNet pool reads torchvision models (torch state dicts, by torchvision model name) or transformers
     * checkpoints; only the latter are Hugging Face checkpoints amalgam can read.
     */
    private static void checkResNetType(Map<?, ?> root, String file) {
        if (String.valueOf(root.get("_target_")).endsWith("ResNetForImageClassificationPool")
                && !"transformers".equals(String.valueOf(root.get("type")))) {
            throw new UserInputException("model pool '" + file + "': ResNet pools need type: transformers (Hugging Face"
                    + " checkpoints such as microsoft/resnet-18); type: " + root.get("type") + " names torchvision models, whose"
                    + " weights are torch state dicts outside the Hugging Face cache, which amalgam does not read");
        }
    }

    /** {@code {config_path, pretrained, dataset_name}}: a checkpoint whose head must be sized for {@code dataset_name}. */
    private static PoolEntry backboneEntry(String name, Map<?, ?> fields, String file) {
        String where = "model pool '" + file + "': model '" + name + "'";
        checkKeys(fields, BACKBONE_ENTRY_KEYS, where);
        if (Boolean.FALSE.equals(fields.get("pretrained"))) {
            throw new UserInputException(where + ": pretrained: false builds a randomly initialised model from its config;"
                    + " amalgam merges trained checkpoints, so give one (pretrained: true)");
        }
        Object dataset = fields.get("dataset_name");
        return new Checkpoint(name, text(fields, "config_path", where), ModelLoader.WHOLE, null, dataset == null ? null : String.valueOf(dataset));
    }

    private static ModelLoader defaultLoader(Object target, String file) {
        if (target == null) {
            return ModelLoader.WHOLE;
        }
        String text = String.valueOf(target);
        String pool = text.substring(text.lastIndexOf('.') + 1);
        if (!POOLS.contains(pool)) {
            throw new UserInputException("model pool '" + file + "': pool type '" + text + "' is not supported; supported: "
                    + String.join(", ", new java.util.TreeSet<>(POOLS)));
        }
        return pool.equals("CLIPVisionModelPool") ? ModelLoader.CLIP_VISION : ModelLoader.WHOLE;
    }

    private static PoolEntry entry(String name, Object value, ModelLoader defaultLoader, String poolDtype, String file) {
        String where = "model pool '" + file + "': model '" + name + "'";
        if (value instanceof String path) {
            return new Checkpoint(name, path, defaultLoader, poolDtype);
        }
        if (!(value instanceof Map<?, ?> fields)) {
            throw new UserInputException(where + " needs a path (a string, or a mapping with pretrained_model_name_or_path), got " + value);
        }
        String target = fields.get("_target_") == null ? null : String.valueOf(fields.get("_target_"));
        if (target != null && target.endsWith("." + LORA_LOADER)) {
            checkKeys(fields, LORA_KEYS, where);
            if (Boolean.FALSE.equals(fields.get("merge_and_unload"))) {
                throw new UserInputException(where + ": merge_and_unload=false (an unmerged PEFT model) is not supported; the adapter is"
                        + " folded into the base model");
            }
            return new LoraFolded(name, text(fields, "base_model_path", where), text(fields, "peft_model_path", where));
        }
        checkKeys(fields, CHECKPOINT_KEYS, where);
        ModelLoader loader = target == null ? defaultLoader : ModelLoader.of(target, where);
        String dtype = fields.get("torch_dtype") != null ? String.valueOf(fields.get("torch_dtype")) : poolDtype;
        return new Checkpoint(name, text(fields, "pretrained_model_name_or_path", where), loader, dtype);
    }

    private static void checkKeys(Map<?, ?> fields, Set<String> allowed, String where) {
        for (Object key : fields.keySet()) {
            if (!allowed.contains(String.valueOf(key))) {
                throw new UserInputException(where + ": unknown key '" + key + "' (valid: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private static String text(Map<?, ?> fields, String key, String where) {
        if (!(fields.get(key) instanceof String value) || value.isBlank()) {
            throw new UserInputException(where + " needs '" + key + "' (a path or hub id)");
        }
        return value;
    }
}
