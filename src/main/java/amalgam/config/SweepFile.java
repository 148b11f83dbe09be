package amalgam.config;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A sweep written as a YAML file ({@code amalgam run --sweep FILE.yaml}): each key is an override's key, each list an
 * axis of the grid and each scalar a fixed value; the jobs are the product of the axes, exactly as the command line
 * {@code -m key=a,b,...} gives them. A list as one value of an axis is a list value ({@code [[0.3, 0.4], [0.5, 0.5]]}
 * sweeps two lists).
 * <pre>
 * method: task_arithmetic
 * method.scaling_factor: [0.1, 0.2, 0.3, 0.4, 0.5]
 * seed: [0, 1]
 * </pre>
 */
public final class SweepFile {
    private static final Pattern KEY = Pattern.compile("(\\+\\+|\\+|~)?[A-Za-z_][A-Za-z0-9_.@/-]*");

    private SweepFile() {
    }

    /** The overrides the file stands for (axes as Hydra choice sweeps), in the file's order. */
    public static List<String> overrides(Path file) {
        if (!(YamlDocuments.read(file, "sweep file") instanceof Map<?, ?> mapping) || mapping.isEmpty()) {
            throw new UserInputException("sweep file '" + file + "' must be a YAML mapping of override keys to values or lists of values");
        }
        List<String> overrides = new ArrayList<>();
        mapping.forEach((key, value) -> {
            String name = String.valueOf(key);
            if (!KEY.matcher(name).matches()) {
                throw new UserInputException("sweep file '" + file + "': '" + name + "' is not an override key (like method.scaling_factor)");
            }
            if (value instanceof List<?> axis) {
                if (axis.isEmpty()) {
                    throw new UserInputException("sweep file '" + file + "': '" + name + "' has no values to sweep");
                }
                List<String> values = new ArrayList<>();
                axis.forEach(element -> values.add(text(element, file, name)));
                // one value: a plain override (a choice sweep of one would not be one)
                overrides.add(name + "=" + (values.size() == 1 ? values.getFirst() : String.join(",", values)));
            } else {
                overrides.add(name + "=" + text(value, file, name));
            }
        });
        return overrides;
    }

    /** A float as plain digits with a decimal point (1e-05 as 0.00001, 1.0 as 1.0: still a float). */
    private static String decimal(double number) {
        String digits = BigDecimal.valueOf(number).stripTrailingZeros().toPlainString();
        return digits.contains(".") ? digits : digits + ".0";
    }

    /**
     * A quoted string as Hydra reads one: a backslash escapes a quote, and backslashes right before a quote (or the
     * closing quote) are escaped themselves; other backslashes stand for themselves.
     */
    static String quoted(String text) {
        StringBuilder quoted = new StringBuilder("'");
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) == '\\') {
                int end = i;
                while (end < text.length() && text.charAt(end) == '\\') {
                    end++;
                }
                boolean beforeQuote = end == text.length() || text.charAt(end) == '\'';
                quoted.append("\\".repeat(beforeQuote ? 2 * (end - i) : end - i));
                i = end;
            } else {
                quoted.append(text.charAt(i) == '\'' ? "\\'" : String.valueOf(text.charAt(i)));
                i++;
            }
        }
        return quoted.append('\'').toString();
    }

    /** A value in override syntax: strings quoted, so that commas, brackets and spaces stay text. */
    private static String text(Object value, Path file, String key) {
        return switch (value) {
            case null -> "null";
            case Boolean flag -> flag.toString();
            case Integer number -> number.toString();
            case Long number -> number.toString();
            case java.math.BigInteger number -> number.toString();
            case Double number when Double.isFinite(number) -> decimal(number);
            case Double number -> throw new UserInputException("sweep file '" + file + "': '" + key + "' has the value " + number
                    + "; give a finite number");
            case String string -> quoted(string);
            case List<?> list -> {
                List<String> elements = new ArrayList<>();
                list.forEach(element -> elements.add(text(element, file, key)));
                yield "[" + String.join(",", elements) + "]";
            }
            case Map<?, ?> map -> {
                List<String> entries = new ArrayList<>();
                map.forEach((name, element) -> entries.add(name + ": " + text(element, file, key)));
                yield "{" + String.join(", ", entries) + "}";
            }
            default -> throw new UserInputException("sweep file '" + file + "': '" + key + "' has a value of an unsupported kind ("
                    + value.getClass().getSimpleName() + ")");
        };
    }
}
