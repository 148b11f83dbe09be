package amalgam.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The right-hand side of a command-line override: one value, or a sweep over several (legal only with
 * {@code --multirun}, see {@link Sweep}).
 */
public sealed interface OverrideValue {
    /** One value: a string, Integer/Long, Double, Boolean, null, a List or a Map (from {@code [..]} / {@code {..}}). */
    record Element(Object value) implements OverrideValue {
    }

    /** {@code a,b,c} ({@code simple}) or {@code choice(a,b,c)}: one job per value. */
    record ChoiceSweep(List<Object> values, boolean simple) implements OverrideValue {
        public ChoiceSweep {
            values = java.util.Collections.unmodifiableList(new ArrayList<>(values));
        }
    }

    /** {@code range(start, stop, step)}: Python's range, over integers or floats. */
    record RangeSweep(Number start, Number stop, Number step) implements OverrideValue {
    }

    default boolean isSweep() {
        return !(this instanceof Element);
    }

    /** The values a sweep runs over, in order (one value for an element). */
    default List<Object> values() {
        return switch (this) {
            case Element element -> java.util.Collections.singletonList(element.value());
            case ChoiceSweep choice -> choice.values();
            case RangeSweep range -> rangeValues(range);
        };
    }

    private static List<Object> rangeValues(RangeSweep range) {
        List<Object> values = new ArrayList<>();
        boolean integers = range.start() instanceof Integer && range.stop() instanceof Integer
                && range.step() instanceof Integer;
        double step = range.step().doubleValue();
        if (step == 0) {
            throw new amalgam.UserInputException("range(...) has a step of 0, which never reaches its end");
        }
        double start = range.start().doubleValue();
        double stop = range.stop().doubleValue();
        for (long i = 0; ; i++) {
            // start + i * step in decimal, so range(0,1,0.1) gives 0.3 and not 0.30000000000000004
            BigDecimal exact = new BigDecimal(range.start().toString()).add(
                    new BigDecimal(range.step().toString()).multiply(BigDecimal.valueOf(i)));
            double value = exact.doubleValue();
            if (step > 0 ? value >= stop : value <= stop) {
                break;
            }
            if (values.size() >= Sweep.MAX_JOBS) {
                throw new amalgam.UserInputException("range(" + start + ", " + stop + ", " + step + ") has more than "
                        + Sweep.MAX_JOBS + " values");
            }
            values.add(integers ? (Object) exact.intValueExact() : (Object) value);
        }
        return values;
    }
}
