package amalgam.param;

/**
 * The values a numeric method parameter may take: an interval of finite reals, optionally of integers only.
 * Non-finite values (NaN, ±∞) are outside every domain; an unbounded side means "any finite value".
 *
 * @param min          lower bound, or {@code -∞} for none
 * @param minInclusive whether {@code min} itself is allowed
 * @param max          upper bound, or {@code +∞} for none
 * @param maxInclusive whether {@code max} itself is allowed
 * @param integer      whether only whole numbers are allowed
 */
public record Domain(double min, boolean minInclusive, double max, boolean maxInclusive, boolean integer) {
    /** Any finite real (a weight, a scaling factor: negative values are meaningful there). */
    public static final Domain REAL = new Domain(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false, false);
    /** [0, 1]: a fraction, a probability, an interpolation factor. */
    public static final Domain UNIT = closed(0, 1);
    /** [0, ∞). */
    public static final Domain NON_NEGATIVE = atLeast(0);
    /** (0, ∞). */
    public static final Domain POSITIVE = new Domain(0, false, Double.POSITIVE_INFINITY, false, false);
    /** A switch: 0 (false) or 1 (true); YAML booleans read as these. */
    public static final Domain FLAG = new Domain(0, true, 1, true, true);
    /** Any whole number. */
    public static final Domain INTEGER = new Domain(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false, true);

    public Domain {
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
            throw new IllegalArgumentException("bad domain bounds " + min + ", " + max);
        }
    }

    public static Domain closed(double min, double max) {
        return new Domain(min, true, max, true, false);
    }

    /** [min, max). */
    public static Domain closedOpen(double min, double max) {
        return new Domain(min, true, max, false, false);
    }

    /** (min, max]. */
    public static Domain openClosed(double min, double max) {
        return new Domain(min, false, max, true, false);
    }

    public static Domain atLeast(double min) {
        return new Domain(min, true, Double.POSITIVE_INFINITY, false, false);
    }

    /** Whole numbers in [min, max]. */
    public static Domain integers(long min, long max) {
        return new Domain(min, true, max, true, true);
    }

    /** Whole numbers ≥ min. */
    public static Domain integersFrom(long min) {
        return new Domain(min, true, Double.POSITIVE_INFINITY, false, true);
    }

    public boolean contains(double value) {
        if (!Double.isFinite(value) || (integer && value != Math.rint(value))) {
            return false;
        }
        boolean aboveMin = minInclusive ? value >= min : value > min;
        boolean belowMax = maxInclusive ? value <= max : value < max;
        return aboveMin && belowMax;
    }

    /**
     * A value just outside the domain, for tests and examples: below the lower bound if there is one, else above
     * the upper bound, else a non-finite value.
     */
    public double justOutside() {
        if (Double.isFinite(min)) {
            return minInclusive ? (integer ? min - 1 : Math.nextDown(min)) : min;
        }
        if (Double.isFinite(max)) {
            return maxInclusive ? (integer ? max + 1 : Math.nextUp(max)) : max;
        }
        return Double.POSITIVE_INFINITY;
    }

    /** Throws a {@link amalgam.UserInputException} naming {@code what} unless the value is in the domain. */
    public void check(double value, String what) {
        if (!contains(value)) {
            throw new amalgam.UserInputException(what + " is " + format(value) + ", outside its domain " + this
                    + (Double.isFinite(value) ? "" : " (NaN and infinities are never valid parameter values)"));
        }
    }

    /**
     * The domain in interval notation: {@code [0, 1]}, {@code (0, 1]}, {@code [0, ∞)}, {@code (-∞, ∞)}; integer
     * domains as sets: {@code {0, 1}}, {@code {1, 2, …}}, {@code {1, …, 100}}.
     */
    @Override
    public String toString() {
        if (integer) {
            String from = Double.isFinite(min) ? format(minInclusive ? min : min + 1) : "…";
            if (!Double.isFinite(max)) {
                return Double.isFinite(min) ? "{" + from + ", " + format(min + 1) + ", …}" : "{…, -1, 0, 1, …}";
            }
            double to = maxInclusive ? max : max - 1;
            return to - Double.parseDouble(from) == 1 ? "{" + from + ", " + format(to) + "}" : "{" + from + ", …, " + format(to) + "}";
        }
        return (Double.isFinite(min) && minInclusive ? "[" : "(") + (Double.isFinite(min) ? format(min) : "-∞") + ", "
                + (Double.isFinite(max) ? format(max) : "∞") + (Double.isFinite(max) && maxInclusive ? "]" : ")");
    }

    /** A number as users write it: whole numbers without a fraction. */
    public static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
