package amalgam.fusion.param;

import amalgam.UserInputException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** A method's resolved parameter values: the declared defaults overridden by the user's values, type-checked. */
public final class MethodParameters {
    private final String method;
    private final Map<String, Object> values;

    private MethodParameters(String method, Map<String, Object> values) {
        this.method = method;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Resolves overrides against the declarations. Override values may be YAML text ("0.3", "[0.3, 0.3]", "null")
     * or already-parsed YAML values. Unknown names and wrongly typed values are a {@link UserInputException}.
     */
    public static MethodParameters resolve(String method, List<ParameterSpec> specs, Map<String, ?> overrides) {
        Map<String, ParameterSpec> byName = new LinkedHashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterSpec spec : specs) {
            byName.put(spec.name(), spec);
            values.put(spec.name(), spec.defaultValue());
        }
        overrides.forEach((name, raw) -> {
            ParameterSpec spec = byName.get(name);
            if (spec == null) {
                throw new UserInputException("method '" + method + "' has no parameter '" + name + "'; valid parameters: "
                        + (byName.isEmpty() ? "(none)" : String.join(", ", byName.keySet())));
            }
            // a command line's strings are YAML scalars (".inf", "1e-3"), in a list as well
            Object value = raw instanceof String text ? parseYaml(method, name, text)
                    : raw instanceof List<?> list ? list.stream().map(e -> e instanceof String t ? parseYaml(method, name, t) : e).toList()
                    : raw;
            if (value == null) {
                if (!spec.nullable()) {
                    throw new UserInputException("parameter '" + name + "' of method '" + method + "' cannot be null; expected "
                            + spec.type().description());
                }
                values.put(name, null);
                return;
            }
            Object parsed;
            try {
                parsed = spec.type().parse(value);
            } catch (IllegalArgumentException e) {
                throw new UserInputException("parameter '" + name + "' of method '" + method + "': " + e.getMessage());
            }
            spec.checkDomain(method, parsed);
            values.put(name, parsed);
        });
        return new MethodParameters(method, values);
    }

    private static Object parseYaml(String method, String name, String text) {
        try {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (RuntimeException e) {
            throw new UserInputException("parameter '" + name + "' of method '" + method + "': cannot parse '" + text + "'");
        }
    }

    public String method() {
        return method;
    }

    /** Every parameter with its resolved value, in declaration order (for reports and provenance). */
    public Map<String, Object> asMap() {
        return values;
    }

    public double getDouble(String name) {
        return (Double) require(name);
    }

    public long getLong(String name) {
        return (Long) require(name);
    }

    public boolean getBoolean(String name) {
        return (Boolean) require(name);
    }

    public String getString(String name) {
        return (String) require(name);
    }

    /** A string list; an empty list when the value is null. */
    @SuppressWarnings("unchecked")
    public List<String> getStrings(String name) {
        Object value = get(name);
        return value == null ? List.of() : (List<String>) value;
    }

    @SuppressWarnings("unchecked")
    public List<Double> getDoubles(String name) {
        return (List<Double>) require(name);
    }

    /** The raw normalized value (may be null). */
    public Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalStateException("method '" + method + "' declares no parameter '" + name + "'");
        }
        return values.get(name);
    }

    private Object require(String name) {
        Object value = get(name);
        if (value == null) {
            throw new UserInputException("parameter '" + name + "' of method '" + method + "' must be set");
        }
        return value;
    }

    @Override
    public String toString() {
        return method + values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ", "(", ")"));
    }
}
