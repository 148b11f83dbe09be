package amalgam.report.chart;

import java.util.List;
import java.util.Locale;

/**
 * A labelled matrix as an SVG heatmap: one {@code rect.cell.mark} per entry, coloured on a light-to-dark green-blue scale
 * between the matrix's minimum and maximum, annotated with the value to two decimals.
 */
public final class Heatmap {
    private static final double CELL = 48;
    private static final double MARGIN = 110;

    private Heatmap() {
    }

    /** {@code values} row-major [rows, columns], annotated to two decimals. */
    public static String svg(String title, List<String> rows, List<String> columns, double[] values) {
        return svg(title, rows, columns, values, "%.2f");
    }

    /**
     * {@code values} row-major [rows, columns], annotated with {@code format}; a NaN is a missing entry (a grey
     * {@code rect.cell.missing}, not a mark). Rows and columns labelled by name; each cell's tooltip names both.
     */
    public static String svg(String title, List<String> rows, List<String> columns, double[] values, String format) {
        if ((long) rows.size() * columns.size() != values.length) {
            throw new IllegalArgumentException(values.length + " values for " + rows.size() + " x " + columns.size());
        }
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (double value : values) {
            if (!Double.isNaN(value)) {
                low = Math.min(low, value);
                high = Math.max(high, value);
            }
        }
        double left = Math.max(MARGIN, 16 + 6.5 * longest(rows));
        double top = Math.max(MARGIN, 30 + 4.6 * longest(columns));
        Svg svg = new Svg(left + CELL * columns.size() + 20, top + CELL * rows.size() + 30, title);
        svg.text(left + CELL * columns.size() / 2, 20, title, "middle", 0, "black");
        for (int c = 0; c < columns.size(); c++) {
            svg.text(left + CELL * c + CELL / 2, top - 8, columns.get(c), "start", -45, "black");
        }
        for (int r = 0; r < rows.size(); r++) {
            double y = top + CELL * r;
            svg.text(left - 6, y + CELL / 2 + 4, rows.get(r), "end", 0, "black");
            for (int c = 0; c < columns.size(); c++) {
                double value = values[r * columns.size() + c];
                if (Double.isNaN(value)) {
                    svg.rect(left + CELL * c, y, CELL, CELL, "#eeeeee", "cell missing", rows.get(r) + ", " + columns.get(c) + ": not evaluated");
                    continue;
                }
                String shown = String.format(Locale.ROOT, format, value);
                double share = high > low ? (value - low) / (high - low) : 0.5;
                svg.rect(left + CELL * c, y, CELL, CELL, colour(share), "cell mark", rows.get(r) + ", " + columns.get(c) + ": " + shown);
                svg.text(left + CELL * c + CELL / 2, y + CELL / 2 + 4, shown, "middle", 0, share > 0.6 ? "white" : "black");
            }
        }
        return svg.close();
    }

    private static int longest(List<String> labels) {
        return labels.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Light green (0) to dark blue (1). */
    static String colour(double share) {
        double[] light = {240, 249, 232};
        double[] middle = {123, 204, 196};
        double[] dark = {8, 64, 129};
        double[] from = share < 0.5 ? light : middle;
        double[] to = share < 0.5 ? middle : dark;
        double t = share < 0.5 ? share * 2 : (share - 0.5) * 2;
        return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round(from[0] + t * (to[0] - from[0])),
                Math.round(from[1] + t * (to[1] - from[1])), Math.round(from[2] + t * (to[2] - from[2])));
    }
}
