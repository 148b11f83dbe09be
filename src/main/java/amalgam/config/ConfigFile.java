package amalgam.config;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One loaded config file: its fields without the {@code defaults:} list, that list parsed, and the package its
 * {@code # @package} header names (null without a header), as Hydra's config repository hands them on.
 */
record ConfigFile(String configPath, String description, Map<String, Object> body, List<DefaultsElement> defaults,
                  String packageHeader) {
    private static final Pattern HEADER_LINE = Pattern.compile("^\\s*#\\s*@.*");
    private static final int HEADER_CHARS = 512; // Hydra reads the header from the first 512 characters

    ConfigFile {
        body = YamlDocuments.copyOf(body);
        defaults = List.copyOf(defaults);
    }

    static ConfigFile parse(ConfigSearchPath.Found found) {
        String where = "config " + found.description();
        Object document;
        try {
            document = ConfigYaml.load(found.text());
        } catch (RuntimeException e) {
            throw new UserInputException(where + " is not valid YAML: " + e.getMessage(), e);
        }
        if (document == null) {
            document = Map.of();
        }
        if (!(document instanceof Map<?, ?> map)) {
            throw new UserInputException(where + " must be a mapping of fields, not a " + kind(document));
        }
        Map<String, Object> body = new LinkedHashMap<>(YamlDocuments.copyOf(map));
        Object defaults = body.remove("defaults");
        return new ConfigFile(found.configPath(), where, body, parseDefaults(defaults, where), header(found.text(), where));
    }

    /** The {@code # @package} value of Hydra's header: the leading {@code # @key value} lines. */
    private static String header(String text, String where) {
        String head = text.substring(0, Math.min(text.length(), HEADER_CHARS));
        String packageName = null;
        for (String line : head.split("\\R")) {
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!HEADER_LINE.matcher(line).matches()) {
                break; // Hydra stops at the first line that is not a header line
            }
            String[] parts = line.replaceFirst("^#+", "").strip().split(" +");
            if (parts.length != 2) {
                throw new UserInputException(where + ": header line '" + line + "' must be '# @KEY VALUE'");
            }
            if (parts[0].equals("@package")) {
                packageName = parts[1];
            }
        }
        if ("_group_".equals(packageName)) {
            return null; // Hydra 1.0's spelling of the default package
        }
        if (packageName != null && packageName.contains("_name_")) {
            throw new UserInputException(where + ": '# @package " + packageName + "' uses Hydra 1.0's _name_, which "
                    + "Hydra 1.1+ no longer supports; name the package explicitly");
        }
        return packageName;
    }

    private static List<DefaultsElement> parseDefaults(Object defaults, String where) {
        if (defaults == null) {
            return List.of();
        }
        if (!(defaults instanceof List<?> list)) {
            throw new UserInputException(where + ": 'defaults' must be a list, not a " + kind(defaults));
        }
        List<DefaultsElement> elements = new ArrayList<>();
        for (Object item : list) {
            elements.add(parseElement(item, where));
        }
        return elements;
    }

    private static DefaultsElement parseElement(Object item, String where) {
        if (item instanceof String text) {
            String[] pathAndPackage = splitPackage(text.strip());
            if (pathAndPackage[0].equals("_self_")) {
                if (pathAndPackage[1] != null) {
                    throw new UserInputException(where + ": '_self_@PACKAGE' is not supported in a defaults list");
                }
                return DefaultsElement.self();
            }
            checkNoInterpolation(pathAndPackage[0], where);
            return DefaultsElement.config(pathAndPackage[0], pathAndPackage[1]);
        }
        if (!(item instanceof Map<?, ?> map) || map.size() != 1) {
            throw new UserInputException(where + ": defaults entry '" + item + "' must be a config name or a single "
                    + "'group: option' pair");
        }
        Map.Entry<?, ?> entry = map.entrySet().iterator().next();
        String[] words = String.valueOf(entry.getKey()).strip().split(" +");
        boolean optional = false;
        boolean override = false;
        for (int i = 0; i < words.length - 1; i++) {
            switch (words[i]) {
                case "optional" -> optional = true;
                case "override" -> override = true;
                default -> throw new UserInputException(where + ": defaults entry '" + entry.getKey() + "' has an "
                        + "unknown keyword '" + words[i] + "' (expected optional or override)");
            }
        }
        String[] groupAndPackage = splitPackage(words[words.length - 1]);
        Object value = entry.getValue();
        if (value == null) {
            return DefaultsElement.group(groupAndPackage[0], groupAndPackage[1], null, null, optional, override);
        }
        if (value instanceof String option) {
            checkNoInterpolation(option, where);
            return DefaultsElement.group(groupAndPackage[0], groupAndPackage[1], option, null, optional, override);
        }
        if (value instanceof List<?> options && options.stream().allMatch(o -> o instanceof String)) {
            List<String> names = options.stream().map(String.class::cast).toList();
            names.forEach(name -> checkNoInterpolation(name, where));
            return DefaultsElement.group(groupAndPackage[0], groupAndPackage[1], null, names, optional, override);
        }
        throw new UserInputException(where + ": the option of defaults entry '" + entry.getKey() + "' must be a name, "
                + "a list of names or null, not " + value);
    }

    private static void checkNoInterpolation(String text, String where) {
        if (text.contains("${")) {
            throw new UserInputException(where + ": interpolation in the defaults list ('" + text + "') is not "
                    + "supported by amalgam; name the option directly");
        }
    }

    /** {@code group@package} split at the first {@code @}; a {@code :rename} suffix of Hydra 1.0 is dropped. */
    private static String[] splitPackage(String key) {
        int at = key.indexOf('@');
        if (at < 0) {
            return new String[] {key, null};
        }
        String packageName = key.substring(at + 1);
        int colon = packageName.indexOf(':');
        return new String[] {key.substring(0, at), colon < 0 ? packageName : packageName.substring(0, colon)};
    }

    private static String kind(Object value) {
        return value instanceof List<?> ? "list" : value instanceof Map<?, ?> ? "mapping" : "scalar (" + value + ")";
    }
}
