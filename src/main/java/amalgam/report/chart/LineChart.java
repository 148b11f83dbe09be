package amalgam.report.chart;

import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Series of points joined by lines, each point a {@code circle.mark} with its value on hover, over a numeric x axis or
 * named positions ({@code categories}: x = 0, 1, ...), with a legend; one point may be singled out (a sweep's best).
 */
public final class LineChart {
    private static final double LEFT = 64;
    private static final double TOP = 40;
    private static final double HEIGHT = 260;

    /** One series: {@code x[i]}, {@code y[i]}; a NaN y is a gap (no point). */
    public record Series(String label, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException(x.length + " x for " + y.length + " y");
            }
        }
    }

    /** A point to single out: {@code series}'s point {@code index}, ringed and labelled. */
    public record Highlight(int series, int index, String label) {
    }

    /** Axis titles; {@code categories} names the x positions 0, 1, ... instead of numbers when not null. */
    public record Axes(String x, String y, List<String> categories) {
    }

    private LineChart() {
    }

    public static String svg(String title, Axes axes, List<Series> series, Highlight highlight) {
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Series line : series) {
            for (int i = 0; i < line.x().length; i++) {
                if (!Double.isNaN(line.y()[i])) {
                    minX = Math.min(minX, line.x()[i]);
                    maxX = Math.max(maxX, line.x()[i]);
                    minY = Math.min(minY, line.y()[i]);
                    maxY = Math.max(maxY, line.y()[i]);
                }
            }
        }
        int positions = axes.categories() == null ? 0 : axes.categories().size();
        double width = Math.max(360, Math.min(900, positions * 26));
        Axis x = axes.categories() != null ? new Axis(-0.5, positions - 0.5, 1, LEFT, LEFT + width)
                : Axis.covering(minX, maxX, LEFT, LEFT + width);
        Axis y = Axis.covering(minY, maxY, TOP + HEIGHT, TOP);
        // rotated category labels hang below the axis by about 0.7 of their length
        double labelDepth = positions > 0 ? 16 + 0.72 * 6.5 * axes.categories().stream().mapToInt(String::length).max().orElse(0) : 24;
        double axisTitle = TOP + HEIGHT + labelDepth + 14;
        double legendTop = axisTitle + 22;
        Svg svg = new Svg(LEFT + width + 30, legendTop + 16 * series.size() + 10, title);
        svg.text(LEFT + width / 2, 20, title, "middle", 0, "black");
        for (double tick : y.ticks()) {
            svg.line(LEFT, y.at(tick), LEFT + width, y.at(tick), "#e8e8e8");
            svg.text(LEFT - 6, y.at(tick) + 4, y.label(tick), "end", 0, "#444444");
        }
        svg.text(18, TOP + HEIGHT / 2, axes.y(), "middle", -90, "black");
        if (axes.categories() != null) {
            int every = Math.max(1, positions / 30);
            for (int i = 0; i < positions; i += every) {
                svg.text(x.at(i), TOP + HEIGHT + 14, axes.categories().get(i), "end", -45, "#444444");
            }
        } else {
            for (double tick : x.ticks()) {
                svg.line(x.at(tick), TOP + HEIGHT, x.at(tick), TOP + HEIGHT + 4, "#444444");
                svg.text(x.at(tick), TOP + HEIGHT + 18, x.label(tick), "middle", 0, "#444444");
            }
        }
        svg.line(LEFT, TOP + HEIGHT, LEFT + width, TOP + HEIGHT, "#444444");
        svg.text(LEFT + width / 2, axisTitle, axes.x(), "middle", 0, "black");
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            String colour = Palette.colour(s);
            svg.polyline(path(line, x, y), colour, "series");
            for (int i = 0; i < line.x().length; i++) {
                if (Double.isNaN(line.y()[i])) {
                    continue;
                }
                String where = axes.categories() != null ? axes.categories().get((int) line.x()[i]) : number(line.x()[i]);
                svg.circle(x.at(line.x()[i]), y.at(line.y()[i]), 3, colour, "point mark",
                        line.label() + " at " + where + ": " + number(line.y()[i]));
            }
            svg.line(LEFT, legendTop + 16 * s - 4, LEFT + 20, legendTop + 16 * s - 4, colour);
            svg.text(LEFT + 26, legendTop + 16 * s, line.label(), "start", 0, "#333333");
        }
        if (highlight != null) {
            Series line = series.get(highlight.series());
            double px = x.at(line.x()[highlight.index()]);
            double py = y.at(line.y()[highlight.index()]);
            svg.ring(px, py, 7, "black", "highlight");
            String anchor = px > LEFT + 0.7 * width ? "end" : px < LEFT + 0.3 * width ? "start" : "middle";
            svg.text(px, py - 12, highlight.label(), anchor, 0, "black");
        }
        return svg.close();
    }

    private static double[] path(Series line, Axis x, Axis y) {
        return IntStream.range(0, line.x().length).filter(i -> !Double.isNaN(line.y()[i]))
                .flatMap(i -> IntStream.of(2 * i, 2 * i + 1))
                .mapToDouble(k -> k % 2 == 0 ? x.at(line.x()[k / 2]) : y.at(line.y()[k / 2])).toArray();
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.4g", value);
    }
}
