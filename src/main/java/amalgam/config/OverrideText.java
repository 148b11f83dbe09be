package amalgam.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A value written back in Hydra's override syntax, as Hydra's sweeper writes each job's overrides. */
final class OverrideText {
    private static final Pattern PLAIN = Pattern.compile("[\\w\\-/+.$%*@?|:]([\\w\\-/+.$%*@?|: ]*[\\w\\-/+.$%*@?|:])?");

    private OverrideText() {
    }

    static String of(Object value) {
        return switch (value) {
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> PythonText.floatRepr(d);
            case Number n -> n.toString();
            case List<?> list -> list.stream().map(OverrideText::of).collect(Collectors.joining(",", "[", "]"));
            case Map<?, ?> map -> map.entrySet().stream().map(e -> e.getKey() + ":" + of(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
            case String s when PLAIN.matcher(s).matches() && !Scalars.isTypedLiteral(s) -> s;
            default -> "'" + String.valueOf(value).replace("\\", "\\\\").replace("'", "\\'") + "'";
        };
    }
}
