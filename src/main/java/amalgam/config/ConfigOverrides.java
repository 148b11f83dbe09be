package amalgam.config;

import amalgam.UserInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Command-line overrides of config fields, applied to the composed tree as Hydra applies them to its struct-mode
 * config (ConfigLoaderImpl._apply_overrides_to_config): {@code key=v} changes a field that must exist (a mapping
 * value merges into a mapping, and then its keys must exist too), {@code +key=v} adds a field that is absent or
 * null (or merges a mapping/list), {@code ++key=v} sets or adds, {@code ~key} / {@code ~key=v} deletes (with
 * {@code v}: only if the field has that value).
 */
final class ConfigOverrides {
    private ConfigOverrides() {
    }

    static void apply(Map<String, Object> config, List<HydraOverride> overrides) {
        for (HydraOverride override : overrides) {
            List<String> path = KeyPath.split(override.key());
            Object value = ConfigMerge.copy(override.element());
            KeyPath.Found found = KeyPath.find(config, path);
            switch (override.type()) {
                case DELETE -> delete(override, found, value);
                case ADD -> {
                    boolean container = value instanceof Map<?, ?> || value instanceof List<?>;
                    if (found.exists() && found.value() != null && !container) {
                        throw new UserInputException("could not add '" + override.key() + "': it is already set (to "
                                + PythonText.of(found.value()) + "); to change it drop the +: '" + override.text()
                                .substring(1) + "', or use ++ to set it either way: '+" + override.text() + "'");
                    }
                    set(config, path, value, true, override);
                }
                case FORCE_ADD -> set(config, path, value, true, override);
                case CHANGE -> set(config, path, value, false, override);
            }
        }
    }

    private static void delete(HydraOverride override, KeyPath.Found found, Object value) {
        if (!found.exists()) {
            throw new UserInputException("could not delete '" + override.key() + "': the composed config has no such "
                    + "key");
        }
        if (override.value() != null && !Objects.equals(value, found.value())) {
            throw new UserInputException("could not delete '" + override.key() + "': its value is "
                    + PythonText.of(found.value()) + ", not " + PythonText.of(value));
        }
        if (found.container() instanceof Map<?, ?> map) {
            map.remove(found.last());
        } else if (found.container() instanceof List<?> list) {
            list.remove(KeyPath.index(found.last()));
        }
    }

    @SuppressWarnings("unchecked")
    private static void set(Map<String, Object> config, List<String> path, Object value, boolean add, HydraOverride override) {
        Object node = config;
        for (int i = 0; i < path.size() - 1; i++) {
            String key = path.get(i);
            Object next = KeyPath.child(node, key);
            boolean container = next instanceof Map<?, ?> || next instanceof List<?>;
            if (!container) {
                if (!add || !(node instanceof Map<?, ?>)) {
                    throw cannotOverride(override, KeyPath.join(path.subList(0, i + 1)), next == KeyPath.ABSENT);
                }
                next = new LinkedHashMap<String, Object>(); // Hydra replaces a scalar on the way by a mapping
                ((Map<String, Object>) node).put(key, next);
            }
            node = next;
        }
        String last = path.getLast();
        if (node instanceof List<?> list) {
            int index = KeyPath.index(last);
            if (index < 0 || index >= list.size()) {
                throw new UserInputException("could not override '" + override.key() + "': the list has no index "
                        + last + " (it has " + list.size() + " items)");
            }
            ((List<Object>) list).set(index, value);
            return;
        }
        Map<String, Object> map = (Map<String, Object>) node;
        if (!map.containsKey(last)) {
            if (!add) {
                throw cannotOverride(override, override.key(), true);
            }
            map.put(last, value);
            return;
        }
        Object existing = map.get(last);
        if (existing instanceof Map<?, ?> target && value instanceof Map<?, ?> update) {
            if (!add) {
                checkKeysExist((Map<String, Object>) target, (Map<String, Object>) update, override, override.key());
            }
            ConfigMerge.into((Map<String, Object>) target, (Map<String, Object>) update);
        } else {
            map.put(last, value);
        }
    }

    /** Struct mode: merging a mapping into an existing one may not bring new keys. */
    @SuppressWarnings("unchecked")
    private static void checkKeysExist(Map<String, Object> target, Map<String, Object> update, HydraOverride override,
                                       String prefix) {
        for (Map.Entry<String, Object> entry : update.entrySet()) {
            String key = prefix + "." + entry.getKey();
            if (!target.containsKey(entry.getKey())) {
                throw cannotOverride(override, key, true);
            }
            if (target.get(entry.getKey()) instanceof Map<?, ?> inner && entry.getValue() instanceof Map<?, ?> more) {
                checkKeysExist((Map<String, Object>) inner, (Map<String, Object>) more, override, key);
            }
        }
    }

    private static UserInputException cannotOverride(HydraOverride override, String key, boolean absent) {
        String problem = absent ? "the composed config has no key '" + key + "'"
                : "'" + key + "' is not a mapping or list";
        return new UserInputException("could not override '" + override.key() + "': " + problem + "; to add it use +"
                + override.text());
    }
}
