package amalgam.fusion.param;

import java.util.ArrayList;
import java.util.List;

/**
 * The value types of method parameters. {@link #parse} turns a YAML-ish value (String, Number, Boolean, List or
 * null, as a YAML loader produces them) into the normalized Java value, or returns an error text.
 */
public enum ParameterType {
    /** A real number, normalized to Double. */
    FLOAT("a number"),
    /** A whole number, normalized to Long. */
    INT("an integer"),
    BOOL("true or false"),
    STRING("a string"),
    /** A list of strings (a single string is a one-element list). */
    STRING_LIST("a list of strings"),
    /** A list of numbers, normalized to List of Double. */
    FLOAT_LIST("a list of numbers"),
    /** A number or a list of numbers. */
    FLOAT_OR_FLOAT_LIST("a number or a list of numbers"),
    /**
     * A list whose entries are integers (normalized to Long) or strings (a single string is a one-element list):
     * FusionBench's {@code layer_indices}, where a string is an expression such as {@code "range(6,12)"}.
     */
    INT_OR_STRING_LIST("a list of integers and strings");

    private final String description;

    ParameterType(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Whether values are numbers (and so the parameter has a {@link amalgam.param.Domain}). */
    public boolean isNumeric() {
        return switch (this) {
            case FLOAT, INT, FLOAT_LIST, FLOAT_OR_FLOAT_LIST -> true;
            case BOOL, STRING, STRING_LIST, INT_OR_STRING_LIST -> false;
        };
    }

    /** The normalized value; throws IllegalArgumentException with a short reason when the value has the wrong type. */
    Object parse(Object value) {
        return switch (this) {
            case FLOAT -> toDouble(value);
            case INT -> toLong(value);
            case BOOL -> {
                if (value instanceof Boolean b) {
                    yield b;
                }
                throw wrong(value);
            }
            case STRING -> {
                if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                    yield String.valueOf(value);
                }
                throw wrong(value);
            }
            case STRING_LIST -> {
                if (value instanceof String s) {
                    yield List.of(s);
                }
                if (value instanceof List<?> list) {
                    List<String> strings = new ArrayList<>();
                    for (Object item : list) {
                        if (!(item instanceof String s)) {
                            throw wrong(value);
                        }
                        strings.add(s);
                    }
                    yield List.copyOf(strings);
                }
                throw wrong(value);
            }
            case FLOAT_LIST -> toDoubles(value);
            case FLOAT_OR_FLOAT_LIST -> value instanceof List<?> ? toDoubles(value) : toDouble(value);
            case INT_OR_STRING_LIST -> toIntsAndStrings(value);
        };
    }

    private IllegalArgumentException wrong(Object value) {
        return new IllegalArgumentException("expected " + description + ", got '" + value + "'");
    }

    private Double toDouble(Object value) {
        if (value instanceof Number number) {
            return number.doubleValue(); // NaN and infinities are refused by the parameter's domain
        }
        throw wrong(value);
    }

    private Long toLong(Object value) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof java.math.BigInteger big && big.bitLength() < 64) {
            return big.longValue();
        }
        throw wrong(value);
    }

    private List<Object> toIntsAndStrings(Object value) {
        if (value instanceof String s) {
            return List.of(s);
        }
        if (!(value instanceof List<?> list)) {
            throw wrong(value);
        }
        List<Object> entries = new ArrayList<>();
        for (Object item : list) {
            // a YAML true or 1.0 is neither: Python would take True as layer 1, which nobody means
            entries.add(item instanceof String s ? s : toLongEntry(item, value));
        }
        return List.copyOf(entries);
    }

    private Long toLongEntry(Object item, Object whole) {
        try {
            return toLong(item);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected " + description + ", got '" + item + "' in " + whole);
        }
    }

    private List<Double> toDoubles(Object value) {
        if (!(value instanceof List<?> list)) {
            throw wrong(value);
        }
        List<Double> doubles = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof Number)) {
                throw wrong(value);
            }
            doubles.add(toDouble(item));
        }
        return List.copyOf(doubles);
    }
}
