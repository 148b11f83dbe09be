package amalgam.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A linear scale from data values to pixels, its range widened to round numbers so that its ticks (1, 2 or 5 times a
 * power of ten apart, about five of them) fall on both ends.
 *
 * @param low  the smallest value shown
 * @param high the largest value shown
 * @param step the distance between ticks
 * @param from the pixel of {@code low}
 * @param to   the pixel of {@code high} (smaller than {@code from} for a vertical axis, which grows upwards)
 */
record Axis(double low, double high, double step, double from, double to) {
    /** An axis showing at least [{@code min}, {@code max}] between pixels {@code from} and {@code to}. */
    static Axis covering(double min, double max, double from, double to) {
        if (!(max > min)) { // one value, or none: a unit range around it
            double centre = Double.isFinite(min) ? min : 0;
            min = centre - 0.5;
            max = centre + 0.5;
        }
        double rough = (max - min) / 5;
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double step = rough / power <= 1 ? power : rough / power <= 2 ? 2 * power : rough / power <= 5 ? 5 * power : 10 * power;
        return new Axis(Math.floor(min / step) * step, Math.ceil(max / step) * step, step, from, to);
    }

    /** The pixel of {@code value}. */
    double at(double value) {
        return from + (value - low) / (high - low) * (to - from);
    }

    List<Double> ticks() {
        List<Double> ticks = new ArrayList<>();
        long count = Math.round((high - low) / step);
        for (long i = 0; i <= count; i++) {
            ticks.add(low + i * step);
        }
        return ticks;
    }

    /** A tick's label: no more decimals than the step needs. */
    String label(double value) {
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
