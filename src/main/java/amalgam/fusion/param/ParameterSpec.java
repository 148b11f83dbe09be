package amalgam.fusion.param;

import amalgam.param.Domain;
import java.util.List;

/**
 * One method parameter as FusionBench's config declares it: its name, type, default (already normalized; null
 * when the config's default is {@code null}), whether {@code null} is allowed, the domain of a numeric parameter
 * (every element of a list; null for booleans and strings, whose type is their domain) and what it means.
 */
public record ParameterSpec(String name, ParameterType type, Object defaultValue, boolean nullable, Domain domain,
                            String description) {
    public ParameterSpec {
        if (type.isNumeric() != (domain != null)) {
            throw new IllegalArgumentException("parameter '" + name + "': a numeric parameter needs a domain, others have none");
        }
        if (defaultValue != null && domain != null) {
            numbers(defaultValue).forEach(value -> domain.check(value, "the default of parameter '" + name + "'"));
        }
    }

    /** A boolean or string parameter. */
    public static ParameterSpec of(String name, ParameterType type, Object defaultValue, String description) {
        return of(name, type, defaultValue, null, description);
    }

    public static ParameterSpec of(String name, ParameterType type, Object defaultValue, Domain domain, String description) {
        return new ParameterSpec(name, type, type.parse(defaultValue), false, domain, description);
    }

    public static ParameterSpec nullable(String name, ParameterType type, Object defaultValue, String description) {
        return nullable(name, type, defaultValue, null, description);
    }

    public static ParameterSpec nullable(String name, ParameterType type, Object defaultValue, Domain domain, String description) {
        return new ParameterSpec(name, type, defaultValue == null ? null : type.parse(defaultValue), true, domain, description);
    }

    /** The same parameter under another name with another default (a wrapped method's parameter). */
    public ParameterSpec renamed(String newName, Object newDefault, String newDescription) {
        return new ParameterSpec(newName, type, newDefault == null ? null : type.parse(newDefault), nullable, domain, newDescription);
    }

    /** Refuses a normalized value outside the domain, naming method, parameter, value and domain. */
    void checkDomain(String method, Object value) {
        if (domain == null || value == null) {
            return;
        }
        for (double number : numbers(value)) {
            domain.check(number, "parameter '" + name + "' of method '" + method + "'"
                    + (value instanceof List<?> list ? " (an element of " + list + ")" : ""));
        }
    }

    /** "name=default in domain", as {@code amalgam methods} lists it. */
    public String summary() {
        return name + "=" + defaultValue + (domain == null ? "" : " in " + domain);
    }

    private static List<Double> numbers(Object value) {
        return switch (value) {
            case Number number -> List.of(number.doubleValue());
            case List<?> list -> list.stream().map(item -> ((Number) item).doubleValue()).toList();
            default -> List.of();
        };
    }
}
