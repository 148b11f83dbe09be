package amalgam.config;

/**
 * OmegaConf's MISSING value, written {@code ???} in a config: a field that must be set before it is read. Trees keep
 * it as the string {@code ???}; {@link ComposedConfig#resolvedAllowingMissing()} returns this marker in its place.
 */
public enum Missing {
    VALUE;

    /** How a missing value is written in YAML and on the command line. */
    public static final String TEXT = "???";

    /** Whether a raw config value is the missing marker (the string {@code ???} or this enum). */
    public static boolean is(Object value) {
        return value == VALUE || TEXT.equals(value);
    }

    @Override
    public String toString() {
        return TEXT;
    }
}
