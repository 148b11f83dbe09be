package amalgam.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Dotted config keys ({@code method.lr}, {@code models.0}) and walking them through maps and lists. */
final class KeyPath {
    /** What a key names: the container holding it (null when a step is absent) and its value there. */
    record Found(Object container, String last, boolean exists, Object value) {
    }

    private KeyPath() {
    }

    static List<String> split(String dotted) {
        return dotted.isEmpty() ? List.of() : List.of(dotted.split("\\.", -1));
    }

    static String join(List<String> path) {
        return String.join(".", path);
    }

    static List<String> append(List<String> path, String key) {
        List<String> longer = new ArrayList<>(path);
        longer.add(key);
        return longer;
    }

    /** The value at {@code path} without resolving interpolations. */
    static Found find(Object root, List<String> path) {
        Object node = root;
        for (int i = 0; i < path.size() - 1; i++) {
            Object next = child(node, path.get(i));
            if (next == ABSENT) {
                return new Found(null, path.getLast(), false, null);
            }
            node = next;
        }
        if (path.isEmpty()) {
            return new Found(null, "", true, root);
        }
        Object value = child(node, path.getLast());
        return value == ABSENT ? new Found(node instanceof Map<?, ?> || node instanceof List<?> ? node : null,
                path.getLast(), false, null) : new Found(node, path.getLast(), true, value);
    }

    static final Object ABSENT = new Object();

    /** The child {@code key} of a map, or the element at index {@code key} of a list; {@link #ABSENT} otherwise. */
    static Object child(Object node, String key) {
        if (node instanceof Map<?, ?> map) {
            return map.containsKey(key) ? map.get(key) : ABSENT;
        }
        if (node instanceof List<?> list) {
            int index = index(key);
            return index >= 0 && index < list.size() ? list.get(index) : ABSENT;
        }
        return ABSENT;
    }

    /** A list index written as a key, or -1. */
    static int index(String key) {
        if (!key.matches("0|[1-9][0-9]{0,8}")) {
            return -1;
        }
        return Integer.parseInt(key);
    }
}
