package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OmegaConf's {@code ${...}} references inside a config group's YAML, as FusionBench's pool files use them
 * ({@code _pretrained_: ${..base_model}}): {@code ${.a}} names a field of the mapping that holds the value, each
 * further dot one mapping up, and {@code ${a.b}} starts at the group's top (a leading {@code GROUP.} is dropped, since
 * in FusionBench the group sits under its name). A value that is one reference takes the referenced value as it
 * is; references inside a longer string are replaced by their text. Resolvers ({@code ${oc.env:…}}) are not
 * supported and are errors, as are missing fields and cycles.
 */
public final class Interpolation {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]*)}");
    private static final int MAX_DEPTH = 16;

    private Interpolation() {
    }

    /** A copy of {@code document} with every reference resolved; {@code group} ("modelpool") names it in errors. */
    public static Map<String, Object> resolve(Map<?, ?> document, String group) {
        Map<String, Object> root = YamlDocuments.copyOf(document);
        return resolveMap(root, root, List.of(), group, 0);
    }

    private static Map<String, Object> resolveMap(Map<String, Object> map, Map<String, Object> root, List<String> path, String group,
                                                  int depth) {
        Map<String, Object> result = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            List<String> at = append(path, key);
            result.put(key, resolveValue(value, root, at, group, depth));
        });
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Object resolveValue(Object value, Map<String, Object> root, List<String> at, String group, int depth) {
        if (value instanceof Map<?, ?> map) {
            return resolveMap((Map<String, Object>) map, root, at, group, depth);
        }
        if (value instanceof List<?> list) {
            List<Object> resolved = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                resolved.add(resolveValue(list.get(i), root, append(at, String.valueOf(i)), group, depth));
            }
            return resolved;
        }
        if (!(value instanceof String text) || !text.contains("${")) {
            return value;
        }
        if (depth > MAX_DEPTH) {
            throw new UserInputException(group + " field '" + String.join(".", at) + "': references form a cycle");
        }
        Matcher whole = REFERENCE.matcher(text);
        if (whole.matches()) {
            return resolveValue(lookup(whole.group(1), root, at, group), root, at, group, depth + 1);
        }
        Matcher parts = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (parts.find()) {
            Object referenced = resolveValue(lookup(parts.group(1), root, at, group), root, at, group, depth + 1);
            parts.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(referenced)));
        }
        parts.appendTail(out);
        return out.toString();
    }

    /** The value a reference names, seen from the field at {@code at}. */
    private static Object lookup(String reference, Map<String, Object> root, List<String> at, String group) {
        String where = group + " field '" + String.join(".", at) + "'";
        if (reference.contains(":")) {
            throw new UserInputException(where + ": resolver '${" + reference + "}' is not supported");
        }
        int dots = 0;
        while (dots < reference.length() && reference.charAt(dots) == '.') {
            dots++;
        }
        List<String> start;
        String rest = reference.substring(dots);
        if (dots == 0) {
            start = List.of();
            if (rest.startsWith(group + ".")) {
                rest = rest.substring(group.length() + 1);
            }
        } else {
            int up = at.size() - dots;
            if (up < 0) {
                throw new UserInputException(where + ": '${" + reference + "}' goes above the top of " + group);
            }
            start = at.subList(0, up);
        }
        List<String> target = new ArrayList<>(start);
        target.addAll(rest.isEmpty() ? List.of() : List.of(rest.split("\\.")));
        if (at.size() >= target.size() && at.subList(0, target.size()).equals(target)) {
            throw new UserInputException(where + ": '${" + reference + "}' names a field that contains it (a cycle)");
        }
        Object node = root;
        for (String key : start) { // a prefix of the field's path: mappings, and lists by index
            if (node instanceof Map<?, ?> map) {
                node = map.get(key);
            } else if (node instanceof List<?> list && key.matches("\\d{1,9}") && Integer.parseInt(key) < list.size()) {
                node = list.get(Integer.parseInt(key));
            } else {
                throw new UserInputException(where + ": '${" + reference + "}' names no field of " + group);
            }
        }
        for (String key : rest.isEmpty() ? new String[0] : rest.split("\\.")) {
            if (!(node instanceof Map<?, ?> map) || !map.containsKey(key)) {
                throw new UserInputException(where + ": '${" + reference + "}' names no field of " + group);
            }
            node = map.get(key);
        }
        return node;
    }

    private static List<String> append(List<String> path, String key) {
        List<String> longer = new ArrayList<>(path);
        longer.add(key);
        return longer;
    }
}
