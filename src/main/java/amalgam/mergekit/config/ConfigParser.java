package amalgam.mergekit.config;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code mergekit-yaml} configuration with YAML 1.1 semantics ({@code yes/no/on/off} are booleans; a
 * number like {@code 1e-5} without a dot is read as a string and coerced, as pydantic does).
 *
 * <p>Unknown keys: mergekit ignores them, and real-world configs carry some ({@code name}, {@code embed_slerp},
 * {@code residual_weight}). By default they are accepted and reported in {@link MergeConfig#warnings()};
 * {@link #strict()} rejects them with an error naming the key.
 */
public final class ConfigParser {
    private static final Set<String> TOP_LEVEL = Set.of("merge_method", "models", "slices", "modules", "base_model",
            "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template");
    private static final Set<String> MODEL_ENTRY = Set.of("model", "parameters");
    private static final Set<String> SLICE = Set.of("sources", "parameters", "base_model");
    private static final Set<String> SOURCE = Set.of("model", "layer_range", "parameters");
    private static final Set<String> TOKENIZER = Set.of("source", "tokens", "pad_to_multiple_of");
    private static final Set<String> TOKEN = Set.of("source", "force");
    private static final Set<String> MODEL_TOKEN = Set.of("kind", "model", "token", "token_id");
    private static final Set<String> CONDITIONAL = Set.of("filter", "value");

    private final boolean rejectUnknownKeys;
    private final List<String> warnings = new ArrayList<>();

    private ConfigParser(boolean rejectUnknownKeys) {
        this.rejectUnknownKeys = rejectUnknownKeys;
    }

    /** Parses leniently: unknown keys become warnings (mergekit's behaviour). */
    public static MergeConfig parse(String text) {
        return new ConfigParser(false).read(text);
    }

    /** Parses strictly: an unknown key is a {@link UserInputException} naming it. */
    public static MergeConfig strict(String text) {
        return new ConfigParser(true).read(text);
    }

    private MergeConfig read(String text) {
        Object document;
        try {
            document = YamlDocuments.load(text);
        } catch (RuntimeException malformed) { // YAMLException, and what SnakeYAML lets through for bad tags (!!map x)
            throw new UserInputException("malformed merge config YAML: " + malformed.getMessage(), malformed);
        }
        Map<String, Object> root = asMap(document, "merge config");
        checkKeys(root, TOP_LEVEL, "");
        String method = requiredString(root, "merge_method", "");
        if (root.containsKey("modules")) {
            throw new UserInputException("config key 'modules' (multi-module architectures) is not supported;"
                    + " use 'models' or 'slices'");
        }
        boolean hasModels = root.get("models") != null;
        boolean hasSlices = root.get("slices") != null;
        if (hasModels == hasSlices) {
            throw new UserInputException("merge config must have exactly one of 'models' and 'slices'");
        }
        List<InputModel> models = new ArrayList<>();
        if (hasModels) {
            List<Object> entries = asList(root.get("models"), "models");
            for (int i = 0; i < entries.size(); i++) {
                String where = "models[" + i + "]";
                Map<String, Object> entry = asMap(entries.get(i), where);
                checkKeys(entry, MODEL_ENTRY, where + ".");
                models.add(new InputModel(modelReference(entry.get("model"), where + ".model"),
                        parameters(entry.get("parameters"), where + ".parameters")));
            }
            if (models.isEmpty()) {
                throw new UserInputException("config key 'models' is an empty list");
            }
        }
        List<OutputSlice> slices = new ArrayList<>();
        if (hasSlices) {
            List<Object> entries = asList(root.get("slices"), "slices");
            for (int i = 0; i < entries.size(); i++) {
                slices.add(slice(entries.get(i), "slices[" + i + "]"));
            }
            if (slices.isEmpty()) {
                throw new UserInputException("config key 'slices' is an empty list");
            }
        }
        ModelReference base = root.get("base_model") == null ? null : modelReference(root.get("base_model"), "base_model");
        TokenizerSettings tokenizer = tokenizer(root);
        return new MergeConfig(method, models, slices, base, parameters(root.get("parameters"), "parameters"),
                optionalString(root, "dtype", ""), optionalString(root, "out_dtype", ""), tokenizer,
                optionalString(root, "chat_template", ""), text, warnings);
    }

    /** {@code tokenizer_source: X} is {@code tokenizer: {source: X}}; the two together are an error. */
    private TokenizerSettings tokenizer(Map<String, Object> root) {
        Object legacy = root.get("tokenizer_source");
        Object section = root.get("tokenizer");
        if (legacy != null && section != null) {
            throw new UserInputException("config keys 'tokenizer' and 'tokenizer_source' are mutually exclusive");
        }
        if (legacy != null) {
            return new TokenizerSettings(tokenizerSource(legacy, "tokenizer_source"), Map.of(), 0);
        }
        if (section == null) {
            return null;
        }
        Map<String, Object> settings = asMap(section, "tokenizer");
        checkKeys(settings, TOKENIZER, "tokenizer.");
        TokenizerSource source = settings.get("source") == null ? new TokenizerSource.Union()
                : tokenizerSource(settings.get("source"), "tokenizer.source");
        Map<String, TokenEmbedding> tokens = new LinkedHashMap<>();
        if (settings.get("tokens") != null) {
            for (Map.Entry<String, Object> entry : asMap(settings.get("tokens"), "tokenizer.tokens").entrySet()) {
                tokens.put(entry.getKey(), tokenEmbedding(entry.getValue(), "tokenizer.tokens." + entry.getKey()));
            }
        }
        int pad = 0;
        Object padding = settings.get("pad_to_multiple_of");
        if (padding != null) {
            if (!(padding instanceof Integer multiple) || multiple < 0) {
                throw new UserInputException("config key 'tokenizer.pad_to_multiple_of' must be a non-negative integer,"
                        + " got " + shown(padding));
            }
            pad = multiple;
        }
        return new TokenizerSettings(source, tokens, pad);
    }

    private TokenizerSource tokenizerSource(Object node, String where) {
        if (node instanceof String text && text.equals("union")) {
            return new TokenizerSource.Union();
        }
        if (node instanceof String text && text.equals("base")) {
            return new TokenizerSource.Base();
        }
        return new TokenizerSource.Model(modelReference(node, where));
    }

    private TokenEmbedding tokenEmbedding(Object node, String where) {
        Map<String, Object> settings = node == null ? Map.of() : asMap(node, where);
        checkKeys(settings, TOKEN, where + ".");
        Object force = settings.getOrDefault("force", false);
        if (!(force instanceof Boolean flag)) {
            throw new UserInputException("config key '" + where + ".force' must be true or false, got " + shown(force));
        }
        return new TokenEmbedding(embeddingSource(settings.get("source"), where + ".source"), flag);
    }

    private EmbeddingSource embeddingSource(Object node, String where) {
        if (node == null) {
            return null;
        }
        if (!(node instanceof Map<?, ?> map) || !map.containsKey("kind")) {
            return new EmbeddingSource.FromModel(modelReference(node, where));
        }
        Map<String, Object> source = asMap(node, where);
        String kind = String.valueOf(source.get("kind"));
        switch (kind) {
            case "zero" -> {
                checkKeys(source, Set.of("kind"), where + ".");
                return new EmbeddingSource.Zero();
            }
            case "model_token" -> {
                checkKeys(source, MODEL_TOKEN, where + ".");
                if (source.get("model") == null) {
                    throw new UserInputException("config key '" + where + ".model' is required for kind model_token");
                }
                ModelReference model = modelReference(source.get("model"), where + ".model");
                Object id = source.get("token_id");
                Object token = source.get("token");
                if ((id == null) == (token == null)) {
                    throw new UserInputException("config key '" + where + "': exactly one of 'token' and 'token_id'"
                            + " must be given");
                }
                if (id != null && !(id instanceof Integer)) {
                    throw new UserInputException("config key '" + where + ".token_id' must be an integer, got " + shown(id));
                }
                if (token != null && !(token instanceof String)) {
                    throw new UserInputException("config key '" + where + ".token' must be a string, got " + shown(token));
                }
                return new EmbeddingSource.ModelToken(model, (String) token, (Integer) id);
            }
            default -> throw new UserInputException("config key '" + where + ".kind' must be 'model_token' or 'zero',"
                    + " got '" + kind + "'");
        }
    }

    private OutputSlice slice(Object node, String where) {
        Map<String, Object> slice = asMap(node, where);
        checkKeys(slice, SLICE, where + ".");
        List<Object> rawSources = asList(slice.get("sources"), where + ".sources");
        if (rawSources.isEmpty()) {
            throw new UserInputException("config key '" + where + ".sources' is an empty list");
        }
        List<SliceSource> sources = new ArrayList<>();
        for (int j = 0; j < rawSources.size(); j++) {
            String at = where + ".sources[" + j + "]";
            Map<String, Object> source = asMap(rawSources.get(j), at);
            checkKeys(source, SOURCE, at + ".");
            int[] range = layerRange(source.get("layer_range"), at + ".layer_range");
            sources.add(new SliceSource(modelReference(source.get("model"), at + ".model"), range[0], range[1],
                    parameters(source.get("parameters"), at + ".parameters")));
        }
        int layers = sources.getFirst().layerCount();
        for (SliceSource source : sources) {
            if (source.layerCount() != layers) {
                throw new UserInputException("config key '" + where + ".sources': all sources of a slice must span the"
                        + " same number of layers, but " + source.model() + " spans " + source.layerCount()
                        + " and " + sources.getFirst().model() + " spans " + layers);
            }
        }
        ModelReference base = slice.get("base_model") == null ? null : modelReference(slice.get("base_model"), where + ".base_model");
        return new OutputSlice(sources, base, parameters(slice.get("parameters"), where + ".parameters"));
    }

    private static int[] layerRange(Object node, String where) {
        if (!(node instanceof List<?> list) || list.size() != 2
                || !(list.get(0) instanceof Integer start) || !(list.get(1) instanceof Integer end)) {
            throw new UserInputException("config key '" + where + "' must be a list of two integers [start, end], got " + shown(node));
        }
        if (start < 0 || end <= start) {
            throw new UserInputException("config key '" + where + "' = [" + start + ", " + end
                    + "] is not a valid layer range (need 0 <= start < end)");
        }
        return new int[] {start, end};
    }

    private ModelReference modelReference(Object node, String where) {
        if (node instanceof String text) {
            return ModelReference.parse(text);
        }
        if (node instanceof Map<?, ?>) {
            Map<String, Object> object = asMap(node, where);
            checkKeys(object, Set.of("model", "lora", "override_architecture"), where + ".");
            ModelReference model = modelPath(object.get("model"), where + ".model");
            ModelReference lora = object.get("lora") == null ? null : modelPath(object.get("lora"), where + ".lora");
            return new ModelReference(model.path(), model.revision(), lora,
                    optionalString(object, "override_architecture", where + "."));
        }
        throw new UserInputException("config key '" + where + "' must be a model path, got " + shown(node));
    }

    private ModelReference modelPath(Object node, String where) {
        if (node instanceof String text) {
            return ModelReference.parse(text);
        }
        Map<String, Object> object = asMap(node, where);
        checkKeys(object, Set.of("path", "revision"), where + ".");
        return new ModelReference(requiredString(object, "path", where + "."), optionalString(object, "revision", where + "."), null, null);
    }

    private Map<String, ParameterSetting> parameters(Object node, String where) {
        if (node == null) {
            return Map.of();
        }
        Map<String, ParameterSetting> parameters = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : asMap(node, where).entrySet()) {
            parameters.put(entry.getKey(), setting(entry.getValue(), where + "." + entry.getKey()));
        }
        return parameters;
    }

    private ParameterSetting setting(Object node, String where) {
        if (node instanceof List<?> list) {
            if (list.isEmpty()) {
                throw new UserInputException("config key '" + where + "' is an empty list");
            }
            boolean conditionals = list.getFirst() instanceof Map<?, ?>;
            for (Object element : list) {
                if ((element instanceof Map<?, ?>) != conditionals) {
                    throw new UserInputException("config key '" + where + "' mixes numbers and {filter, value} entries;"
                            + " write the fallback as '- value: X'");
                }
            }
            if (!conditionals) {
                double[] values = new double[list.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = scalar(list.get(i), where + "[" + i + "]");
                }
                return new ParameterSetting.Gradient(values);
            }
            List<ParameterSetting.Conditional> entries = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String at = where + "[" + i + "]";
                Map<String, Object> entry = asMap(list.get(i), at);
                checkKeys(entry, CONDITIONAL, at + ".");
                Object value = entry.get("value");
                if (value == null || value instanceof Map<?, ?> || (value instanceof List<?> l && !l.isEmpty() && l.getFirst() instanceof Map<?, ?>)) {
                    throw new UserInputException("config key '" + at + ".value' must be a number or a list of numbers, got " + shown(value));
                }
                Object filter = entry.get("filter");
                entries.add(new ParameterSetting.Conditional(filter == null ? null : String.valueOf(filter), setting(value, at + ".value")));
            }
            return new ParameterSetting.ConditionalList(entries);
        }
        if (node instanceof Map<?, ?> map) {
            return new ParameterSetting.BareConditional("for '" + where + "' " + shown(map));
        }
        return new ParameterSetting.Scalar(scalar(node, where));
    }

    private static double scalar(Object node, String where) {
        return switch (node) {
            case Boolean flag -> flag ? 1.0 : 0.0;
            case Number number -> number.doubleValue();
            case String text -> parseNumber(text, where);
            case null -> throw new UserInputException("config key '" + where + "' is null; a number is required");
            default -> throw new UserInputException("config key '" + where + "' must be a number, got " + shown(node));
        };
    }

    private static double parseNumber(String text, String where) {
        String trimmed = text.strip().replace("_", "");
        switch (trimmed.toLowerCase()) {
            case "true", "yes", "on" -> {
                return 1.0;
            }
            case "false", "no", "off" -> {
                return 0.0;
            }
            case "inf", "+inf", "infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "nan" -> {
                return Double.NaN;
            }
            default -> {
            }
        }
        try {
            if (!trimmed.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                throw new NumberFormatException(trimmed);
            }
            return Double.parseDouble(trimmed);
        } catch (NumberFormatException notANumber) {
            throw new UserInputException("config key '" + where + "' must be a number, got '" + text + "'");
        }
    }

    private void checkKeys(Map<String, Object> map, Set<String> known, String prefix) {
        for (String key : map.keySet()) {
            if (!known.contains(key)) {
                if (rejectUnknownKeys) {
                    throw new UserInputException("unknown config key '" + prefix + key + "'");
                }
                warnings.add("unknown config key '" + prefix + key + "' is ignored");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object node, String where) {
        if (!(node instanceof Map<?, ?> map)) {
            throw new UserInputException("config key '" + where + "' must be a mapping, got " + shown(node));
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw new UserInputException("config key '" + where + "' has a non-string key " + key);
            }
        }
        return (Map<String, Object>) map;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object node, String where) {
        if (!(node instanceof List<?> list)) {
            throw new UserInputException("config key '" + where + "' must be a list, got " + shown(node));
        }
        return (List<Object>) list;
    }

    private static String requiredString(Map<String, Object> map, String key, String prefix) {
        String value = optionalString(map, key, prefix);
        if (value == null) {
            throw new UserInputException("config key '" + prefix + key + "' is required");
        }
        return value;
    }

    private static String optionalString(Map<String, Object> map, String key, String prefix) {
        Object value = map.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof String || value instanceof Number) {
            return String.valueOf(value);
        }
        throw new UserInputException("config key '" + prefix + key + "' must be a string, got " + shown(value));
    }

    /**
     * A value as an error message shows it: at most about 200 characters, without rendering the rest (YAML aliases
     * can make a small file's lists nest into millions of elements).
     */
    static String shown(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value);
        return out.length() > 200 ? out.substring(0, 200) + "..." : out.toString();
    }

    private static void append(StringBuilder out, Object value) {
        if (out.length() > 200) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            out.append('{');
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (out.length() > 200) {
                    return;
                }
                out.append(out.charAt(out.length() - 1) == '{' ? "" : ", ");
                append(out, entry.getKey());
                out.append('=');
                append(out, entry.getValue());
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (Object item : list) {
                if (out.length() > 200) {
                    return;
                }
                out.append(out.charAt(out.length() - 1) == '[' ? "" : ", ");
                append(out, item);
            }
            out.append(']');
        } else {
            String text = String.valueOf(value);
            out.append(text, 0, Math.min(text.length(), 201));
        }
    }
}
