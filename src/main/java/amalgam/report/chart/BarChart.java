package amalgam.report.chart;

import java.util.List;
import java.util.Locale;

/**
 * Horizontal bars, one {@code rect.bar.mark} per labelled value, on an axis from zero, with dashed vertical
 * reference lines (the pretrained and individual models' averages) labelled at the top.
 */
public final class BarChart {
    private static final double BAR = 22;
    private static final double GAP = 6;
    private static final double PLOT_WIDTH = 420;
    private static final double TOP = 54;

    /** One bar; {@code tooltip} is shown on hover (the run's provenance). */
    public record Bar(String label, double value, String tooltip) {
    }

    /** A vertical line across the bars at {@code value}. */
    public record Reference(String label, double value, String colour) {
    }

    private BarChart() {
    }

    public static String svg(String title, String axisTitle, List<Bar> bars, List<Reference> references) {
        if (bars.isEmpty()) {
            throw new IllegalArgumentException("a bar chart needs bars");
        }
        double max = 0;
        for (Bar bar : bars) {
            max = Math.max(max, bar.value());
        }
        for (Reference reference : references) {
            max = Math.max(max, reference.value());
        }
        double left = 16 + 6.5 * bars.stream().mapToInt(bar -> bar.label().length()).max().orElse(0);
        double bottom = TOP + bars.size() * (BAR + GAP);
        Axis x = Axis.covering(0, max, left, left + PLOT_WIDTH);
        Svg svg = new Svg(left + PLOT_WIDTH + 40, bottom + 50, title);
        svg.text(left + PLOT_WIDTH / 2, 18, title, "middle", 0, "black");
        for (double tick : x.ticks()) {
            svg.line(x.at(tick), TOP - 4, x.at(tick), bottom, "#e0e0e0");
            svg.text(x.at(tick), bottom + 16, x.label(tick), "middle", 0, "#444444");
        }
        svg.text(left + PLOT_WIDTH / 2, bottom + 36, axisTitle, "middle", 0, "black");
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            double y = TOP + i * (BAR + GAP);
            svg.text(left - 6, y + BAR / 2 + 4, bar.label(), "end", 0, "black");
            svg.rect(left, y, Math.max(0, x.at(bar.value()) - left), BAR, Palette.colour(0), "bar mark", bar.tooltip());
            svg.text(x.at(bar.value()) + 4, y + BAR / 2 + 4, String.format(Locale.ROOT, "%.1f", bar.value()), "start", 0, "#222222");
        }
        for (int i = 0; i < references.size(); i++) {
            Reference reference = references.get(i);
            double at = x.at(reference.value());
            svg.line(at, TOP - 6, at, bottom, reference.colour(), "5 3");
            svg.text(at, TOP - 10 - 12 * i, reference.label(), "middle", 0, reference.colour());
        }
        return svg.close();
    }
}
