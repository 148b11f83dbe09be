package amalgam.mergekit.config;

import amalgam.UserInputException;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The value of one merge parameter after parsing (spec 1.4): a scalar, a gradient over the layers of a slice,
 * a list of filtered conditionals, or a single conditional mapping (which parses but fails when evaluated).
 */
public sealed interface ParameterSetting {

    /**
     * The value for tensor {@code tensorName} at layer position {@code t} in [0, 1], or empty when no
     * conditional entry matches ("no value at this level").
     */
    OptionalDouble evaluate(String tensorName, double t);

    /** Every number written in the setting (each gradient point, each conditional's value), for domain checks. */
    default List<Double> numbers() {
        return switch (this) {
            case Scalar scalar -> List.of(scalar.value());
            case Gradient gradient -> Arrays.stream(gradient.values()).boxed().toList();
            case ConditionalList list -> list.entries().stream().flatMap(entry -> entry.value().numbers().stream()).toList();
            case BareConditional bare -> List.of(); // fails when evaluated, with its own message
        };
    }

    /** A number (booleans parse as 1 / 0). */
    record Scalar(double value) implements ParameterSetting {
        @Override
        public OptionalDouble evaluate(String tensorName, double t) {
            return OptionalDouble.of(value);
        }
    }

    /**
     * A piecewise-linear gradient {@code g[0..m-1]}: {@code s = t(m-1)}, {@code i0 = int(s)},
     * {@code i1 = min(m-1, i0+1)}, {@code f = s - i0}, value {@code (1-f) g[i0] + f g[i1]}.
     */
    record Gradient(double[] values) implements ParameterSetting {
        public Gradient {
            if (values.length == 0) {
                throw new UserInputException("empty gradient list");
            }
            values = values.clone();
        }

        @Override
        public OptionalDouble evaluate(String tensorName, double t) {
            int m = values.length;
            double s = t * (m - 1);
            int i0 = (int) s;
            int i1 = Math.min(m - 1, i0 + 1);
            double f = s - i0;
            return OptionalDouble.of((1 - f) * values[i0] + f * values[i1]);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Gradient gradient && Arrays.equals(values, gradient.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return Arrays.toString(values);
        }
    }

    /**
     * One entry of a conditional list: it applies when {@code filter} is null, equals {@code *}, or is a plain
     * case-sensitive substring of the tensor name.
     */
    record Conditional(String filter, ParameterSetting value) {
        public boolean matches(String tensorName) {
            return filter == null || filter.equals("*") || tensorName.contains(filter);
        }
    }

    /** A list of conditionals: the first matching entry's value, evaluated with the same {@code t}. */
    record ConditionalList(List<Conditional> entries) implements ParameterSetting {
        public ConditionalList {
            entries = List.copyOf(entries);
        }

        @Override
        public OptionalDouble evaluate(String tensorName, double t) {
            for (Conditional entry : entries) {
                if (entry.matches(tensorName)) {
                    return entry.value().evaluate(tensorName, t);
                }
            }
            return OptionalDouble.empty();
        }
    }

    /** A bare conditional mapping (not in a list): accepted by the parser, an error when the plan is built. */
    record BareConditional(String description) implements ParameterSetting {
        @Override
        public OptionalDouble evaluate(String tensorName, double t) {
            throw new UserInputException("Unexpected setting value " + description
                    + ": a conditional must be written as a list, e.g. [{filter: mlp, value: 0.3}, {value: 0.5}]");
        }
    }
}
