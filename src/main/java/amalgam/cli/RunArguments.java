package amalgam.cli;

import amalgam.UserInputException;
import amalgam.io.YamlDocuments;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The {@code key=value} arguments of {@code amalgam run}, in order, each value parsed as a YAML scalar or flow
 * list ({@code 0.3}, {@code true}, {@code [0.3,0.3]}, {@code null}); a later key overrides an earlier one.
 * {@code ~key} (Hydra's delete) takes no value.
 */
final class RunArguments {
    private RunArguments() {
    }

    static Map<String, Object> parse(List<String> arguments) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String argument : arguments) {
            int equals = argument.indexOf('=');
            if (argument.startsWith("~") && equals < 0) {
                values.put(argument.strip(), null); // Hydra's delete: ~group.field
                continue;
            }
            if (equals <= 0) {
                throw new UserInputException("argument '" + argument + "' is not of the form key=value (or ~key)");
            }
            String key = argument.substring(0, equals).strip();
            values.put(key, parseValue(key, argument.substring(equals + 1)));
        }
        return values;
    }

    private static Object parseValue(String key, String text) {
        if (text.isEmpty()) {
            return "";
        }
        try {
            Object value = YamlDocuments.load(text);
            if (value instanceof Map<?, ?>) {
                throw new UserInputException("value of '" + key + "' must be a scalar or a list, got a mapping: " + text);
            }
            return value;
        } catch (YAMLException e) {
            throw new UserInputException("value of '" + key + "' is not a YAML scalar or flow list: " + text);
        }
    }
}
