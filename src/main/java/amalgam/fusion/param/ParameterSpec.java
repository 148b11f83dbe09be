package amalgam.fusion.param;

/**
 * One method parameter as FusionBench's config declares it: its name, type, default (already normalized; null
 * when the config's default is {@code null}), whether {@code null} is allowed, and what it means.
 */
public record ParameterSpec(String name, ParameterType type, Object defaultValue, boolean nullable, String description) {
    public static ParameterSpec of(String name, ParameterType type, Object defaultValue, String description) {
        return new ParameterSpec(name, type, normalize(type, defaultValue), false, description);
    }

    public static ParameterSpec nullable(String name, ParameterType type, Object defaultValue, String description) {
        return new ParameterSpec(name, type, defaultValue == null ? null : normalize(type, defaultValue), true, description);
    }

    private static Object normalize(ParameterType type, Object value) {
        return type.parse(value);
    }
}
