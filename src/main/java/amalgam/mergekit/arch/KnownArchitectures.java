package amalgam.mergekit.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The architecture definitions shipped as JSON resources under {@code amalgam/architectures/} (one file per model
 * family, listed in that folder's {@code index}), read once when this class is first used. The format is the
 * single-module subset of mergekit's {@code _data/architectures/*.json}; see the package documentation. Any class
 * not declared by a definition is handled by {@link Architecture#infer}.
 */
public final class KnownArchitectures {
    static final String FOLDER = "/amalgam/architectures/";
    private static final Set<String> DEFINITION_KEYS = Set.of("model_type", "architectures", "pre_weights",
            "layer_templates", "post_weights", "num_layers_config_key");
    private static final Set<String> WEIGHT_KEYS = Set.of("name", "is_embed", "optional", "aliases", "tied_names");
    /** Fields mergekit's definitions carry that do not affect merging (spec 4.5); accepted and ignored. */
    private static final Set<String> IGNORED_WEIGHT_KEYS = Set.of("input_space", "output_space", "head_split", "is_kq");
    private static final Map<String, Architecture> BY_CLASS = load();

    private KnownArchitectures() {
    }

    /** The definition for a {@code config.architectures[0]} class name, if known. */
    public static Optional<Architecture> forClass(String architectureClass) {
        return Optional.ofNullable(BY_CLASS.get(architectureClass));
    }

    private static Map<String, Architecture> load() {
        Map<String, Architecture> byClass = new LinkedHashMap<>();
        for (String file : read("index").lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            JsonNode definition;
            try {
                definition = new ObjectMapper().readTree(read(file));
            } catch (IOException e) {
                throw new IllegalStateException("architecture definition " + FOLDER + file + " is not valid JSON", e);
            }
            for (Map.Entry<String, Architecture> entry : parse(definition, file).entrySet()) {
                if (byClass.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
                    throw new IllegalStateException(FOLDER + file + ": class " + entry.getKey() + " is declared twice");
                }
            }
        }
        return Map.copyOf(byClass);
    }

    /** One definition: its architecture under each class name it declares. */
    static Map<String, Architecture> parse(JsonNode definition, String file) {
        checkKeys(definition, DEFINITION_KEYS, Set.of(), file);
        Architecture architecture = new Architecture(text(definition, "model_type", file),
                weights(definition.path("pre_weights"), file), weights(definition.path("layer_templates").path("weights"), file),
                weights(definition.path("post_weights"), file), text(definition, "num_layers_config_key", file));
        if (!definition.path("architectures").isArray() || definition.path("architectures").isEmpty()) {
            throw new IllegalStateException(FOLDER + file + ": 'architectures' must list at least one class name");
        }
        Map<String, Architecture> byClass = new LinkedHashMap<>();
        for (String className : strings(definition.path("architectures"), file)) {
            byClass.put(className, architecture);
        }
        return byClass;
    }

    private static List<WeightSpec> weights(JsonNode list, String file) {
        if (list.isMissingNode()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new IllegalStateException(FOLDER + file + ": a weight list must be a JSON array");
        }
        List<WeightSpec> weights = new ArrayList<>();
        for (JsonNode weight : list) {
            checkKeys(weight, WEIGHT_KEYS, IGNORED_WEIGHT_KEYS, file);
            String name = text(weight, "name", file);
            List<String> aliases = strings(weight.path("aliases"), file);
            List<String> tied = strings(weight.path("tied_names"), file);
            for (String template : concat(List.of(name), aliases, tied)) {
                if (template.replace(WeightSpec.LAYER_INDEX, "").contains("${")) {
                    throw new IllegalStateException(FOLDER + file + ": '" + template + "': only " + WeightSpec.LAYER_INDEX
                            + " is supported as a template variable");
                }
            }
            weights.add(new WeightSpec(name, weight.path("is_embed").asBoolean(false), weight.path("optional").asBoolean(false),
                    aliases, tied));
        }
        return weights;
    }

    private static void checkKeys(JsonNode node, Set<String> known, Set<String> ignored, String file) {
        if (!node.isObject()) {
            throw new IllegalStateException(FOLDER + file + ": expected a JSON object, got " + node);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name) && !ignored.contains(name)) {
                throw new IllegalStateException(FOLDER + file + ": unknown key '" + name + "' (known: " + known + ")");
            }
        }
    }

    private static String text(JsonNode node, String key, String file) {
        if (!node.path(key).isTextual() || node.path(key).asText().isEmpty()) {
            throw new IllegalStateException(FOLDER + file + ": '" + key + "' must be a non-empty string");
        }
        return node.path(key).asText();
    }

    private static List<String> strings(JsonNode list, String file) {
        if (list.isMissingNode()) {
            return List.of();
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode item : list) {
            strings.add(item.asText());
        }
        if (!list.isArray() || strings.size() != list.size() || !list.valueStream().allMatch(JsonNode::isTextual)) {
            throw new IllegalStateException(FOLDER + file + ": expected a list of strings, got " + list);
        }
        return strings;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return all;
    }

    private static String read(String name) {
        try (InputStream in = KnownArchitectures.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) {
                throw new IllegalStateException("architecture resource " + FOLDER + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read architecture resource " + FOLDER + name, e);
        }
    }
}
