package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hydra-style command-line overrides of a config group's YAML document, as FusionBench takes them:
 * {@code GROUP.a.b=v} sets a field (creating the maps on the way), {@code +GROUP.a.b=v} adds one, {@code ~GROUP.a.b}
 * removes one — e.g. {@code modelpool.models.svhn=path/to/svhn}, {@code ~modelpool.models.mnist},
 * {@code taskpool.batch_size=32}. The document itself is not changed; a changed copy is returned.
 */
public final class GroupOverrides {
    private GroupOverrides() {
    }

    /** True for a key that overrides a field of {@code group} ({@code group.x}, {@code +group.x}, {@code ~group.x}). */
    public static boolean isOverride(String key, String group) {
        return strip(key).startsWith(group + ".");
    }

    /** Whether any argument overrides a field of {@code group}. */
    public static boolean any(Map<String, Object> arguments, String group) {
        return arguments.keySet().stream().anyMatch(key -> isOverride(key, group));
    }

    /** A copy of {@code document} with every override of {@code group} in {@code arguments} applied, in order. */
    public static Map<String, Object> apply(Map<?, ?> document, String group, Map<String, Object> arguments) {
        Map<String, Object> result = YamlDocuments.copyOf(document);
        for (Map.Entry<String, Object> argument : arguments.entrySet()) {
            String key = argument.getKey();
            if (!isOverride(key, group)) {
                continue;
            }
            List<String> path = List.of(strip(key).substring(group.length() + 1).split("\\.", -1));
            if (path.stream().anyMatch(String::isEmpty)) {
                throw new UserInputException("override '" + key + "' names an empty field");
            }
            Map<String, Object> parent = result;
            for (String field : path.subList(0, path.size() - 1)) {
                parent = child(parent, field, key);
            }
            String last = path.getLast();
            if (key.startsWith("~")) {
                if (parent.remove(last) == null) {
                    throw new UserInputException("override '" + key + "': there is no field '" + String.join(".", path)
                            + "' in " + group + " to remove");
                }
            } else {
                parent.put(last, argument.getValue());
            }
        }
        return result;
    }

    private static Map<String, Object> child(Map<String, Object> parent, String field, String key) {
        Object value = parent.get(field);
        if (value == null) {
            Map<String, Object> created = new LinkedHashMap<>();
            parent.put(field, created);
            return created;
        }
        if (!(value instanceof Map<?, ?>)) {
            throw new UserInputException("override '" + key + "': field '" + field + "' is not a mapping");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        return map;
    }

    private static String strip(String key) {
        return key.startsWith("++") ? key.substring(2) : key.startsWith("+") || key.startsWith("~") ? key.substring(1) : key;
    }
}
