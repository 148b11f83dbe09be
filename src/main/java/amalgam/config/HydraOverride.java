package amalgam.config;

/**
 * One command-line override in Hydra's grammar: {@code key=value} ({@link Type#CHANGE}), {@code +key=value}
 * ({@link Type#ADD}), {@code ++key=value} ({@link Type#FORCE_ADD}), {@code ~key} or {@code ~key=value}
 * ({@link Type#DELETE}). {@code key} is a dotted config key ({@code method.lr}) or a config group
 * ({@code method}, {@code hydra/launcher}); {@code packageName} is what follows {@code @} (null without one);
 * {@code value} is null for {@code ~key}. {@code text} is the argument as written.
 */
public record HydraOverride(Type type, String key, String packageName, OverrideValue value, String text) {
    public enum Type {
        CHANGE(""), ADD("+"), FORCE_ADD("++"), DELETE("~");

        final String prefix;

        Type(String prefix) {
            this.prefix = prefix;
        }
    }

    /** Parses one argument; malformed input throws {@link amalgam.UserInputException}. */
    public static HydraOverride parse(String text) {
        return OverrideParser.parse(text);
    }

    /** The key with its package: {@code group@pkg}, or {@code key}. */
    public String keyWithPackage() {
        return packageName == null ? key : key + "@" + packageName;
    }

    /** The key with its prefix and package, which identifies the override in a sweep: {@code +a.b}, {@code ~db@x}. */
    public String keyElement() {
        return type.prefix + keyWithPackage();
    }

    /** Whether it changes Hydra's own config ({@code hydra.run.dir=...}, {@code hydra/launcher=...}). */
    public boolean isHydraOverride() {
        return key.equals("hydra") || key.startsWith("hydra.") || key.startsWith("hydra/");
    }

    /** The concrete value (null for {@code ~key} without value); a sweep throws. */
    public Object element() {
        if (value == null) {
            return null;
        }
        if (value instanceof OverrideValue.Element element) {
            return element.value();
        }
        throw new amalgam.UserInputException("override '" + text + "' is a sweep; expand it with Sweep.expand first");
    }

    /** The same override with one concrete value (a job of a sweep). */
    HydraOverride with(Object element) {
        return new HydraOverride(type, key, packageName, new OverrideValue.Element(element),
                keyElement() + "=" + OverrideText.of(element));
    }
}
