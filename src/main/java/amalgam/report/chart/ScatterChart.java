package amalgam.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Labelled points, each a {@code circle.mark}, on a log-10 x axis (parameter counts span orders of magnitude) and a
 * linear y axis, with dashed horizontal reference lines. Labels go where they cover no other mark or label, or are
 * left out.
 */
public final class ScatterChart {
    private static final double LEFT = 64;
    private static final double TOP = 40;
    private static final double WIDTH = 480;
    private static final double HEIGHT = 280;
    /** A label's estimated size at the page's 12 px sans-serif (an average glyph's advance; text is not measured). */
    private static final double LABEL_CHAR_WIDTH = 6.6;
    private static final double LABEL_HEIGHT = 12;

    /** One point; {@code x} must be positive. */
    public record Point(String label, double x, double y, String tooltip) {
    }

    private ScatterChart() {
    }

    public static String svg(String title, String xTitle, String yTitle, List<Point> points, List<BarChart.Reference> references) {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("a scatter chart needs points");
        }
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (Point point : points) {
            if (!(point.x() > 0)) {
                throw new IllegalArgumentException("point '" + point.label() + "' has x " + point.x() + " on a log axis");
            }
            minX = Math.min(minX, Math.log10(point.x()));
            maxX = Math.max(maxX, Math.log10(point.x()));
            minY = Math.min(minY, point.y());
            maxY = Math.max(maxY, point.y());
        }
        for (BarChart.Reference reference : references) {
            minY = Math.min(minY, reference.value());
            maxY = Math.max(maxY, reference.value());
        }
        Axis x = Axis.covering(Math.floor(minX * 4) / 4, Math.ceil(maxX * 4) / 4, LEFT, LEFT + WIDTH);
        Axis y = Axis.covering(minY, maxY, TOP + HEIGHT, TOP);
        Svg svg = new Svg(LEFT + WIDTH + 150, TOP + HEIGHT + 50, title);
        svg.text(LEFT + WIDTH / 2, 20, title, "middle", 0, "black");
        for (double tick : y.ticks()) {
            svg.line(LEFT, y.at(tick), LEFT + WIDTH, y.at(tick), "#e8e8e8");
            svg.text(LEFT - 6, y.at(tick) + 4, y.label(tick), "end", 0, "#444444");
        }
        for (double tick : x.ticks()) {
            svg.line(x.at(tick), TOP + HEIGHT, x.at(tick), TOP + HEIGHT + 4, "#444444");
            svg.text(x.at(tick), TOP + HEIGHT + 18, count(Math.pow(10, tick)), "middle", 0, "#444444");
        }
        svg.line(LEFT, TOP + HEIGHT, LEFT + WIDTH, TOP + HEIGHT, "#444444");
        svg.text(LEFT + WIDTH / 2, TOP + HEIGHT + 40, xTitle, "middle", 0, "black");
        svg.text(18, TOP + HEIGHT / 2, yTitle, "middle", -90, "black");
        for (BarChart.Reference reference : references) {
            svg.line(LEFT, y.at(reference.value()), LEFT + WIDTH, y.at(reference.value()), reference.colour(), "5 3");
            svg.text(LEFT + WIDTH + 6, y.at(reference.value()) + 4, reference.label(), "start", 0, reference.colour());
        }
        List<double[]> taken = new ArrayList<>(); // label boxes already drawn: x0, y0, x1, y1
        for (Point point : points) {
            double px = x.at(Math.log10(point.x()));
            double py = y.at(point.y());
            svg.circle(px, py, 4, Palette.colour(0), "point mark", point.tooltip());
            taken.add(new double[] {px - 4, py - 4, px + 4, py + 4});
        }
        for (Point point : points) {
            double px = x.at(Math.log10(point.x()));
            double py = y.at(point.y());
            double[] box = freePlace(px, py, point.label(), taken);
            if (box != null) { // a label that would cover another is left out: the tooltip and the table still name the point
                taken.add(box);
                svg.text(box[0], box[3] - 3, point.label(), "start", 0, "#333333");
            }
        }
        return svg.close();
    }

    /**
     * The first of four places around the point (up-right, down-right, up-left, down-left) where the label's estimated
     * box overlaps no mark or label drawn so far, as {x0, y0, x1, y1}; null when none is free.
     */
    static double[] freePlace(double px, double py, String label, List<double[]> taken) {
        double width = LABEL_CHAR_WIDTH * label.length();
        double[][] places = {
                {px + 6, py - 6 - LABEL_HEIGHT}, {px + 6, py + 6}, {px - 6 - width, py - 6 - LABEL_HEIGHT}, {px - 6 - width, py + 6}};
        for (double[] place : places) {
            double[] box = {place[0], place[1], place[0] + width, place[1] + LABEL_HEIGHT};
            if (taken.stream().noneMatch(other -> overlaps(box, other))) {
                return box;
            }
        }
        return null;
    }

    private static boolean overlaps(double[] a, double[] b) {
        return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    }

    /** 161,600 as 162k, 1,281,344 as 1.28M. */
    static String count(double value) {
        if (value >= 1e9) {
            return String.format(Locale.ROOT, "%.3gG", value / 1e9);
        }
        if (value >= 1e6) {
            return String.format(Locale.ROOT, "%.3gM", value / 1e6);
        }
        if (value >= 1e3) {
            return String.format(Locale.ROOT, "%.3gk", value / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }
}
