package amalgam.config;

import amalgam.io.YamlDocuments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OmegaConf's merge of plain config trees (BaseContainer._map_merge): mappings merge key by key, recursively;
 * lists and scalars replace; a {@code ???} (MISSING) in the source never replaces a value already there.
 */
final class ConfigMerge {
    private ConfigMerge() {
    }

    /** Merges {@code source} into {@code target} (changed in place); values taken from the source are copied. */
    @SuppressWarnings("unchecked")
    static void into(Map<String, Object> target, Map<String, Object> source) {
        for (Map.Entry<String, Object> entry : source.entrySet()) {
            String key = entry.getKey();
            Object value = entry.getValue();
            if (!target.containsKey(key)) {
                target.put(key, copy(value));
                continue;
            }
            if (Missing.is(value)) {
                continue;
            }
            Object existing = target.get(key);
            if (existing instanceof Map<?, ?> map && value instanceof Map<?, ?> update) {
                into((Map<String, Object>) map, (Map<String, Object>) update);
            } else {
                target.put(key, copy(value));
            }
        }
    }

    /** {@code body} placed at the dotted {@code packageName} ("" for the root): {@code a.b} gives {a: {b: body}}. */
    static Map<String, Object> atPackage(String packageName, Map<String, Object> body) {
        Map<String, Object> result = YamlDocuments.copyOf(body);
        if (packageName == null || packageName.isEmpty()) {
            return result;
        }
        String[] keys = packageName.split("\\.");
        for (int i = keys.length - 1; i >= 0; i--) {
            Map<String, Object> outer = new LinkedHashMap<>();
            outer.put(keys[i], result);
            result = outer;
        }
        return result;
    }

    static Object copy(Object value) {
        if (value instanceof Map<?, ?> map) {
            return YamlDocuments.copyOf(map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(copy(item)));
            return copy;
        }
        return value;
    }
}
