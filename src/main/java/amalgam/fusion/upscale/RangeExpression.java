package amalgam.fusion.upscale;

/**
 * A Python {@code range(...)} call written as text, the only expression amalgam evaluates in FusionBench's
 * {@code layer_indices} (FusionBench runs any string through {@code eval}; amalgam reads this grammar and nothing
 * else): {@code range(stop)}, {@code range(start, stop)} or {@code range(start, stop, step)} with integer literals
 * (optional sign, decimal digits) and spaces anywhere between tokens. The values are Python's:
 * start, start + step, ... while below stop (above it for a negative step); a zero step is an error, as in Python.
 */
record RangeExpression(long start, long stop, long step) {
    private static final String NAME = "range";
    /** Literals longer than this are refused before parsing (a long has 19 digits). */
    private static final int MAX_DIGITS = 18;

    RangeExpression {
        if (step == 0) {
            throw new IllegalArgumentException("range() step must not be zero");
        }
    }

    /** The expression {@code text}; IllegalArgumentException saying why when it is not a range call. */
    static RangeExpression parse(String text) {
        String trimmed = text.strip();
        if (!trimmed.startsWith(NAME)) {
            throw notARange();
        }
        String afterName = trimmed.substring(NAME.length()).stripLeading();
        if (!afterName.startsWith("(") || !afterName.endsWith(")")) {
            throw notARange();
        }
        String inside = afterName.substring(1, afterName.length() - 1);
        String[] parts = inside.split(",", -1);
        if (parts.length > 3) {
            throw new IllegalArgumentException("range() takes at most 3 arguments, got " + parts.length);
        }
        long[] arguments = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            arguments[i] = literal(parts[i].strip());
        }
        return switch (arguments.length) {
            case 1 -> new RangeExpression(0, arguments[0], 1);
            case 2 -> new RangeExpression(arguments[0], arguments[1], 1);
            default -> new RangeExpression(arguments[0], arguments[1], arguments[2]);
        };
    }

    /** How many values the range has (Python's {@code len(range(...))}). */
    long length() {
        if (step > 0) {
            return start >= stop ? 0 : (stop - start - 1) / step + 1;
        }
        return start <= stop ? 0 : (start - stop - 1) / -step + 1;
    }

    /** Value {@code i} of the range, 0 <= i < {@link #length()}. */
    long get(long i) {
        return start + i * step;
    }

    private static long literal(String text) {
        String digits = text.startsWith("-") || text.startsWith("+") ? text.substring(1) : text;
        if (digits.isEmpty() || digits.length() > MAX_DIGITS || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("range() arguments must be integer literals, got '" + text + "'");
        }
        return Long.parseLong(text);
    }

    private static IllegalArgumentException notARange() {
        return new IllegalArgumentException("only range(stop), range(start, stop) and range(start, stop, step) with integer"
                + " literals are evaluated");
    }
}
