package amalgam.report.chart;

import java.util.Arrays;
import java.util.List;

/**
 * Distributions as SVG violins, one {@code polygon.violin} per series: a Gaussian kernel density estimate (Scott's
 * bandwidth, as seaborn's default) mirrored about the series' axis, each violin scaled to the same width, with a
 * line at the median.
 */
public final class Violins {
    private static final double WIDTH = 70;
    private static final double HEIGHT = 320;
    private static final double LEFT = 70;
    private static final double TOP = 40;
    private static final int GRID = 64;

    private Violins() {
    }

    public static String svg(String title, String axisLabel, List<String> names, List<double[]> series) {
        if (names.size() != series.size() || names.isEmpty()) {
            throw new IllegalArgumentException(names.size() + " names for " + series.size() + " series");
        }
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (double[] values : series) {
            for (double value : values) {
                low = Math.min(low, value);
                high = Math.max(high, value);
            }
        }
        if (!(high > low)) {
            high = low + 1;
        }
        double span = high - low;
        double bottom = TOP + HEIGHT;
        Svg svg = new Svg(LEFT + WIDTH * names.size() + 20, bottom + 110, title);
        svg.text(LEFT + WIDTH * names.size() / 2, 22, title, "middle", 0, "black");
        svg.text(16, TOP + HEIGHT / 2, axisLabel, "middle", -90, "black");
        for (int tick = 0; tick <= 4; tick++) {
            double value = low + span * tick / 4;
            double y = bottom - HEIGHT * tick / 4;
            svg.line(LEFT - 4, y, LEFT + WIDTH * names.size(), y, "#dddddd");
            svg.text(LEFT - 6, y + 4, String.format(java.util.Locale.ROOT, "%.3g", value), "end", 0, "black");
        }
        for (int s = 0; s < names.size(); s++) {
            double centre = LEFT + WIDTH * s + WIDTH / 2;
            double[] values = series.get(s);
            double[] density = density(values, low, high);
            double peak = Arrays.stream(density).max().orElse(1);
            double[] points = new double[4 * GRID];
            for (int g = 0; g < GRID; g++) {
                double y = bottom - HEIGHT * g / (GRID - 1);
                double half = peak > 0 ? 0.42 * WIDTH * density[g] / peak : 0;
                points[2 * g] = centre - half;
                points[2 * g + 1] = y;
                points[4 * GRID - 2 - 2 * g] = centre + half;
                points[4 * GRID - 1 - 2 * g] = y;
            }
            svg.polygon(points, "#9ecae1", "#3182bd", "violin mark");
            double median = median(values);
            double y = bottom - HEIGHT * (median - low) / span;
            svg.line(centre - 8, y, centre + 8, y, "black");
            svg.text(centre, bottom + 14, names.get(s), "end", -45, "black");
        }
        return svg.close();
    }

    /** Kernel density on GRID points from low to high. */
    static double[] density(double[] values, double low, double high) {
        double[] density = new double[GRID];
        if (values.length == 0) {
            return density;
        }
        double mean = Arrays.stream(values).average().orElse(0);
        double variance = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.length - 1);
        double bandwidth = Math.sqrt(variance) * Math.pow(values.length, -0.2);
        if (!(bandwidth > 0)) {
            bandwidth = (high - low) / GRID;
        }
        for (int g = 0; g < GRID; g++) {
            double at = low + (high - low) * g / (GRID - 1);
            double sum = 0;
            for (double value : values) {
                double z = (at - value) / bandwidth;
                sum += Math.exp(-0.5 * z * z);
            }
            density[g] = sum / (values.length * bandwidth);
        }
        return density;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return 0;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
