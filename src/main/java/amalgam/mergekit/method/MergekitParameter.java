package amalgam.mergekit.method;

import amalgam.param.Domain;

/**
 * A parameter a mergekit method declares: its name, its default (null = none), whether a value is required, its
 * domain (every value a config gives it, each gradient point included, must lie in it) and what it means. Required
 * per-model parameters are never required for the base model (it gets the default, usually null).
 */
public record MergekitParameter(String name, Double defaultValue, boolean required, Domain domain, String description) {
    public MergekitParameter {
        if (defaultValue != null) {
            domain.check(defaultValue, "the default of parameter '" + name + "'");
        }
    }

    public static MergekitParameter required(String name, Domain domain, String description) {
        return new MergekitParameter(name, null, true, domain, description);
    }

    public static MergekitParameter optional(String name, double defaultValue, Domain domain, String description) {
        return new MergekitParameter(name, defaultValue, false, domain, description);
    }

    /** An optional parameter with no default: absent unless configured. */
    public static MergekitParameter absentByDefault(String name, Domain domain, String description) {
        return new MergekitParameter(name, null, false, domain, description);
    }

    /** A boolean switch (YAML booleans read as 1 and 0). */
    public static MergekitParameter flag(String name, boolean defaultValue, String description) {
        return optional(name, defaultValue ? 1.0 : 0.0, Domain.FLAG, description);
    }
}
