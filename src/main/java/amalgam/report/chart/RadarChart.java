package amalgam.report.chart;

import java.util.List;
import java.util.Locale;

/**
 * One model's accuracy per task on a radar: a spoke per task from 0 (centre) to 100 (rim), the model's polygon with a
 * {@code circle.mark} per task, and outlined reference polygons (the pretrained and individual models) behind it.
 */
public final class RadarChart {
    private static final double RADIUS = 110;
    private static final double CENTRE = 170;
    private static final double SIDE = 60; // room for the task names left and right of the rim

    /** A polygon over the spokes: one value per axis, NaN where the row has none (drawn at the centre). */
    public record Polygon(String label, List<Double> values, String colour) {
    }

    private RadarChart() {
    }

    public static String svg(String title, List<String> axes, Polygon model, List<Polygon> references) {
        if (axes.size() < 3 || model.values().size() != axes.size()) {
            throw new IllegalArgumentException("a radar needs at least 3 axes and one value per axis");
        }
        Svg svg = new Svg(2 * (CENTRE + SIDE), 2 * CENTRE + 20 + 14 * references.size(), title);
        svg.text(CENTRE + SIDE, 18, title, "middle", 0, "black");
        for (double ring : new double[] {25, 50, 75, 100}) {
            svg.polygon(points(axes.size(), i -> ring), "none", "#e0e0e0", "ring");
        }
        for (int i = 0; i < axes.size(); i++) {
            double[] rim = point(i, axes.size(), 100);
            svg.line(CENTRE + SIDE, CENTRE, rim[0], rim[1], "#d0d0d0");
            double[] label = point(i, axes.size(), 118);
            String anchor = Math.abs(label[0] - CENTRE - SIDE) < 8 ? "middle" : label[0] > CENTRE + SIDE ? "start" : "end";
            svg.text(label[0], label[1] + 4, axes.get(i), anchor, 0, "#333333");
        }
        for (Polygon reference : references) {
            svg.polygon(points(axes.size(), i -> value(reference, i)), "none", reference.colour(), "reference");
        }
        svg.polygon(points(axes.size(), i -> value(model, i)), model.colour() + "33", model.colour(), "area");
        for (int i = 0; i < axes.size(); i++) {
            double[] at = point(i, axes.size(), value(model, i));
            svg.circle(at[0], at[1], 3.5, model.colour(), "vertex mark",
                    axes.get(i) + ": " + String.format(Locale.ROOT, "%.1f", model.values().get(i)));
        }
        double y = 2 * CENTRE;
        for (Polygon reference : references) {
            svg.line(20, y - 4, 40, y - 4, reference.colour());
            svg.text(46, y, reference.label(), "start", 0, "#333333");
            y += 14;
        }
        return svg.close();
    }

    private static double value(Polygon polygon, int axis) {
        double value = polygon.values().get(axis);
        return Double.isNaN(value) ? 0 : Math.max(0, Math.min(100, value));
    }

    private interface Radius {
        double of(int axis);
    }

    private static double[] points(int axes, Radius radius) {
        double[] points = new double[2 * axes];
        for (int i = 0; i < axes; i++) {
            double[] at = point(i, axes, radius.of(i));
            points[2 * i] = at[0];
            points[2 * i + 1] = at[1];
        }
        return points;
    }

    /** Spoke {@code axis} of {@code axes}, the first pointing up, clockwise; {@code percent} of the radius out. */
    private static double[] point(int axis, int axes, double percent) {
        double angle = 2 * Math.PI * axis / axes - Math.PI / 2;
        double r = RADIUS * percent / 100;
        return new double[] {CENTRE + SIDE + r * Math.cos(angle), CENTRE + r * Math.sin(angle)};
    }
}
