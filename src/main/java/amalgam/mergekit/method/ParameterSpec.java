package amalgam.mergekit.method;

/**
 * A parameter a method declares: its name, its default (null = none) and whether a value is required. Required
 * per-model parameters are never required for the base model (it gets the default, usually null).
 */
public record ParameterSpec(String name, Double defaultValue, boolean required) {

    public static ParameterSpec required(String name) {
        return new ParameterSpec(name, null, true);
    }

    public static ParameterSpec optional(String name, double defaultValue) {
        return new ParameterSpec(name, defaultValue, false);
    }

    /** An optional parameter with no default: absent unless configured. */
    public static ParameterSpec absentByDefault(String name) {
        return new ParameterSpec(name, null, false);
    }

    public static ParameterSpec flag(String name, boolean defaultValue) {
        return optional(name, defaultValue ? 1.0 : 0.0);
    }
}
