package amalgam.mergekit.method;

import amalgam.param.Domain;

/**
 * A parameter a method declares: its name, its default (null = none), whether a value is required, and its
 * domain (every value a config gives it, each gradient point included, must lie in it). Required per-model
 * parameters are never required for the base model (it gets the default, usually null).
 */
public record ParameterSpec(String name, Double defaultValue, boolean required, Domain domain) {
    public ParameterSpec {
        if (defaultValue != null) {
            domain.check(defaultValue, "the default of parameter '" + name + "'");
        }
    }

    public static ParameterSpec required(String name, Domain domain) {
        return new ParameterSpec(name, null, true, domain);
    }

    public static ParameterSpec optional(String name, double defaultValue, Domain domain) {
        return new ParameterSpec(name, defaultValue, false, domain);
    }

    /** An optional parameter with no default: absent unless configured. */
    public static ParameterSpec absentByDefault(String name, Domain domain) {
        return new ParameterSpec(name, null, false, domain);
    }

    /** A boolean switch (YAML booleans read as 1 and 0). */
    public static ParameterSpec flag(String name, boolean defaultValue) {
        return optional(name, defaultValue ? 1.0 : 0.0, Domain.FLAG);
    }
}
