package amalgam.mergekit.lora;

import amalgam.io.ConfigFiles;
import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import amalgam.tensor.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT LoRA adapter: {@code adapter_config.json} and the tensors of {@code adapter_model.safetensors}, read as
 * the changes they make to a base model's tensors. Keys are {@code base_model.model.MODULE.lora_A.weight} /
 * {@code lora_B.weight} (linear layers: ΔW = s·B·A, transposed when {@code fan_in_fan_out}),
 * {@code MODULE.lora_embedding_A} / {@code lora_embedding_B} (embeddings: ΔW = s·(B·A)ᵀ), {@code lora_B.bias}
 * ({@code lora_bias}: Δb = s·b_B) and, for {@code modules_to_save}, whole tensors {@code MODULE.PARAM} that
 * replace the base's. The scale s is {@code lora_alpha / r}, or {@code / √r} with {@code use_rslora}, with
 * {@code rank_pattern} / {@code alpha_pattern} overrides per module as PEFT matches them.
 */
public final class LoraAdapter {
    static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How one base tensor changes. */
    sealed interface Change permits LowRank, BiasShift, Replacement {
    }

    /** ΔW = scaling · B·A (or its transpose when {@code transposed}), added to the base weight. */
    record LowRank(String aKey, String bKey, double scaling, boolean transposed) implements Change {
    }

    /** Δb = scaling · the adapter's {@code lora_B.bias}. */
    record BiasShift(String key, double scaling) implements Change {
    }

    /** The base tensor is replaced by the adapter's tensor (modules_to_save). */
    record Replacement(String key) implements Change {
    }

    private final String description;
    private final ModelSource weights;
    private final Map<String, Change> changes;

    private LoraAdapter(String description, ModelSource weights, Map<String, Change> changes) {
        this.description = description;
        this.weights = weights;
        this.changes = Map.copyOf(changes);
    }

    /**
     * Reads the adapter in {@code directory} whose tensors {@code weights} holds, checked against the base model
     * it is applied to: every changed tensor must exist there with a matching shape.
     */
    public static LoraAdapter read(Path directory, ModelSource weights, ModelSource base) {
        String description = "LoRA adapter '" + directory + "'";
        JsonNode config = readConfig(directory, description);
        Scaling scaling = new Scaling(config, description);
        Map<String, String> aKeys = new LinkedHashMap<>();
        Map<String, String> bKeys = new LinkedHashMap<>();
        Map<String, Boolean> embedding = new LinkedHashMap<>();
        Map<String, Change> changes = new LinkedHashMap<>();
        for (String key : weights.tensorNames()) {
            if (!key.startsWith(PREFIX)) {
                throw new UserInputException(description + ": tensor '" + key + "' does not start with '" + PREFIX
                        + "' (not a PEFT adapter saved from a model)");
            }
            String name = key.substring(PREFIX.length());
            if (name.endsWith(".lora_A.weight")) {
                String module = name.substring(0, name.length() - ".lora_A.weight".length());
                aKeys.put(module, key);
                embedding.put(module, false);
            } else if (name.endsWith(".lora_B.weight")) {
                bKeys.put(name.substring(0, name.length() - ".lora_B.weight".length()), key);
            } else if (name.endsWith(".lora_embedding_A")) {
                String module = name.substring(0, name.length() - ".lora_embedding_A".length());
                aKeys.put(module, key);
                embedding.put(module, true);
            } else if (name.endsWith(".lora_embedding_B")) {
                bKeys.put(name.substring(0, name.length() - ".lora_embedding_B".length()), key);
            } else if (name.endsWith(".lora_B.bias")) {
                String module = name.substring(0, name.length() - ".lora_B.bias".length());
                changes.put(module + ".bias", new BiasShift(key, scaling.of(module)));
            } else if (name.contains(".lora_")) {
                throw new UserInputException(description + ": tensor '" + key + "' is not a plain LoRA weight"
                        + " (DoRA and other LoRA variants are not supported)");
            } else {
                changes.put(name, new Replacement(key));
            }
        }
        for (String module : aKeys.keySet()) {
            if (!bKeys.containsKey(module)) {
                throw new UserInputException(description + ": '" + aKeys.get(module) + "' has no matching lora_B");
            }
            boolean isEmbedding = embedding.get(module);
            changes.put(module + ".weight", new LowRank(aKeys.get(module), bKeys.get(module), scaling.of(module),
                    isEmbedding || config.path("fan_in_fan_out").asBoolean(false)));
        }
        for (String module : bKeys.keySet()) {
            if (!aKeys.containsKey(module)) {
                throw new UserInputException(description + ": '" + bKeys.get(module) + "' has no matching lora_A");
            }
        }
        LoraAdapter adapter = new LoraAdapter(description, weights, changes);
        adapter.check(base);
        return adapter;
    }

    Map<String, Change> changes() {
        return changes;
    }

    ModelSource weights() {
        return weights;
    }

    String description() {
        return description;
    }

    /** Every changed tensor exists in the base with the shape the adapter implies. */
    private void check(ModelSource base) {
        for (Map.Entry<String, Change> entry : changes.entrySet()) {
            String target = entry.getKey();
            if (!base.contains(target)) {
                throw new UserInputException(description + " changes tensor '" + target + "', which model '" + base.name()
                        + "' does not have");
            }
            Shape shape = base.shapeOf(target);
            Shape expected = switch (entry.getValue()) {
                case LowRank lowRank -> lowRankShape(lowRank);
                case BiasShift shift -> weights.shapeOf(shift.key());
                case Replacement replacement -> weights.shapeOf(replacement.key());
            };
            if (!shape.equals(expected)) {
                throw new UserInputException(description + ": tensor '" + target + "' of model '" + base.name() + "' is "
                        + shape + " but the adapter's change is " + expected);
            }
        }
    }

    private Shape lowRankShape(LowRank change) {
        Shape a = weights.shapeOf(change.aKey());
        Shape b = weights.shapeOf(change.bKey());
        if (a.rank() != 2 || b.rank() != 2 || a.dim(0) != b.dim(1)) {
            throw new UserInputException(description + ": '" + change.aKey() + "' " + a + " and '" + change.bKey() + "' " + b
                    + " are not the two factors of one low-rank update (A [r, in], B [out, r])");
        }
        return change.transposed() ? Shape.of(a.dim(1), b.dim(0)) : Shape.of(b.dim(0), a.dim(1));
    }

    private static JsonNode readConfig(Path directory, String description) {
        Path file = directory.resolve(CONFIG_FILE);
        JsonNode config;
        try {
            config = JSON.readTree(ConfigFiles.readText(file, description + ": adapter config"));
        } catch (IOException e) {
            throw new UserInputException(description + ": cannot read " + CONFIG_FILE + ": " + e.getMessage(), e);
        }
        if (config == null || !config.isObject()) {
            throw new UserInputException(description + ": " + CONFIG_FILE + " is not a JSON object");
        }
        String type = config.path("peft_type").asText("LORA");
        if (!type.equals("LORA")) {
            throw new UserInputException(description + ": peft_type " + type + " is not supported (only LORA)");
        }
        if (config.path("use_dora").asBoolean(false)) {
            throw new UserInputException(description + ": DoRA adapters (use_dora) are not supported");
        }
        if (!Files.isRegularFile(directory.resolve(WEIGHTS_FILE))) {
            throw new UserInputException(description + ": no " + WEIGHTS_FILE + " (only safetensors adapters are read)");
        }
        return config;
    }

    /** PEFT's per-module scale: rank and alpha from the first matching pattern key, else the global values. */
    private record Scaling(int rank, double alpha, boolean rsLora, Map<String, Integer> rankPattern,
                           Map<String, Double> alphaPattern, String description) {
        Scaling(JsonNode config, String description) {
            this(positiveInt(config, "r", description), config.path("lora_alpha").asDouble(8),
                    config.path("use_rslora").asBoolean(false), ranks(config.path("rank_pattern"), description),
                    alphas(config.path("alpha_pattern")), description);
        }

        double of(String module) {
            int r = rank;
            for (Map.Entry<String, Integer> pattern : rankPattern.entrySet()) {
                if (matches(pattern.getKey(), module)) {
                    r = pattern.getValue();
                    break;
                }
            }
            double a = alpha;
            for (Map.Entry<String, Double> pattern : alphaPattern.entrySet()) {
                if (matches(pattern.getKey(), module)) {
                    a = pattern.getValue();
                    break;
                }
            }
            return rsLora ? a / Math.sqrt(r) : a / r;
        }

        /** PEFT: {@code re.match(rf"(.*\.)?({key})$", module)}. */
        private boolean matches(String key, String module) {
            try {
                return Pattern.compile("(.*\\.)?(" + key + ")").matcher(module).matches();
            } catch (PatternSyntaxException e) {
                throw new UserInputException(description + ": pattern key '" + key + "' is not a valid regular expression");
            }
        }

        private static int positiveInt(JsonNode config, String key, String description) {
            int value = config.path(key).asInt(8);
            if (value <= 0) {
                throw new UserInputException(description + ": '" + key + "' must be a positive integer");
            }
            return value;
        }

        private static Map<String, Integer> ranks(JsonNode patterns, String description) {
            Map<String, Integer> ranks = new LinkedHashMap<>();
            patterns.properties().forEach(entry -> {
                if (entry.getValue().asInt(0) <= 0) {
                    throw new UserInputException(description + ": rank_pattern '" + entry.getKey() + "' must be positive");
                }
                ranks.put(entry.getKey(), entry.getValue().asInt());
            });
            return ranks;
        }

        private static Map<String, Double> alphas(JsonNode patterns) {
            Map<String, Double> alphas = new LinkedHashMap<>();
            patterns.properties().forEach(entry -> alphas.put(entry.getKey(), entry.getValue().asDouble()));
            return alphas;
        }
    }
}
