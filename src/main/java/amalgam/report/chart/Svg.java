package amalgam.report.chart;

import java.util.Locale;

/**
 * A small SVG writer: escaped text, fixed-precision numbers (so the same figure gives the same bytes). It writes the
 * inline form that an HTML page embeds ({@link #standalone} makes a file of it). Elements of class {@code mark} are
 * the data marks (a bar, a point, a cell); the {@code svg} element carries their count as {@code data-marks}, which
 * the browser test compares with what it finds rendered. A mark may carry a tooltip (an SVG {@code title}).
 */
public final class Svg {
    private static final String NAMESPACE = " xmlns=\"http://www.w3.org/2000/svg\"";

    private final StringBuilder body = new StringBuilder();
    private final double width;
    private final double height;
    private final String title;
    private int marks;

    public Svg(double width, double height, String title) {
        this.width = width;
        this.height = height;
        this.title = title;
        body.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    }

    public Svg rect(double x, double y, double width, double height, String fill, String cssClass) {
        return rect(x, y, width, height, fill, cssClass, null);
    }

    public Svg rect(double x, double y, double width, double height, String fill, String cssClass, String tooltip) {
        open("rect", cssClass).attribute("x", x).attribute("y", y).attribute("width", width).attribute("height", height)
                .attribute("fill", fill);
        return end("rect", tooltip);
    }

    public Svg circle(double x, double y, double radius, String fill, String cssClass, String tooltip) {
        open("circle", cssClass).attribute("cx", x).attribute("cy", y).attribute("r", radius).attribute("fill", fill);
        return end("circle", tooltip);
    }

    /** An unfilled circle (a ring around a point). */
    public Svg ring(double x, double y, double radius, String stroke, String cssClass) {
        open("circle", cssClass).attribute("cx", x).attribute("cy", y).attribute("r", radius).attribute("fill", "none")
                .attribute("stroke", stroke).attribute("stroke-width", "2");
        return end("circle", null);
    }

    public Svg line(double x1, double y1, double x2, double y2, String stroke) {
        return line(x1, y1, x2, y2, stroke, null);
    }

    /** A line, dashed when {@code dash} is an SVG dash array such as {@code "4 3"}. */
    public Svg line(double x1, double y1, double x2, double y2, String stroke, String dash) {
        open("line", null).attribute("x1", x1).attribute("y1", y1).attribute("x2", x2).attribute("y2", y2).attribute("stroke", stroke);
        if (dash != null) {
            attribute("stroke-dasharray", dash);
        }
        return end("line", null);
    }

    /** An open path through the points x0 y0 x1 y1 ... */
    public Svg polyline(double[] points, String stroke, String cssClass) {
        open("polyline", cssClass).attribute("fill", "none").attribute("stroke", stroke).attribute("stroke-width", "1.5")
                .attribute("points", pointList(points));
        return end("polyline", null);
    }

    /** A closed polygon through the points x0 y0 x1 y1 ... */
    public Svg polygon(double[] points, String fill, String stroke, String cssClass) {
        return polygon(points, fill, stroke, cssClass, null);
    }

    public Svg polygon(double[] points, String fill, String stroke, String cssClass, String tooltip) {
        open("polygon", cssClass).attribute("fill", fill).attribute("stroke", stroke).attribute("points", pointList(points));
        return end("polygon", tooltip);
    }

    /** Text anchored {@code start}, {@code middle} or {@code end}, rotated by {@code degrees} about its anchor. */
    public Svg text(double x, double y, String text, String anchor, double degrees, String fill) {
        open("text", null).attribute("x", x).attribute("y", y).attribute("text-anchor", anchor).attribute("fill", fill);
        if (degrees != 0) {
            attribute("transform", "rotate(" + number(degrees) + ' ' + number(x) + ' ' + number(y) + ")");
        }
        body.append('>').append(escape(text)).append("</text>\n");
        return this;
    }

    /** The figure, for an HTML page. */
    public String close() {
        return "<svg class=\"chart\" width=\"" + number(width) + "\" height=\"" + number(height) + "\" viewBox=\"0 0 " + number(width)
                + ' ' + number(height) + "\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" data-marks=\"" + marks + "\">\n"
                + "<title>" + escape(title) + "</title>\n" + body + "</svg>\n";
    }

    /** How many data marks the figure has. */
    public int marks() {
        return marks;
    }

    /** A figure from {@link #close} as an SVG file of its own (with the namespace a file needs). */
    public static String standalone(String svg) {
        if (!svg.startsWith("<svg ")) {
            throw new IllegalArgumentException("not a figure of this writer");
        }
        return "<svg" + NAMESPACE + svg.substring(4).replaceFirst("\n", "\n<!-- written by amalgam -->\n");
    }

    public static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    public static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private Svg open(String element, String cssClass) {
        body.append('<').append(element);
        if (cssClass != null) {
            body.append(" class=\"").append(cssClass).append('"');
            if ((" " + cssClass + " ").contains(" mark ")) {
                marks++;
            }
        }
        return this;
    }

    private Svg attribute(String name, double value) {
        return attribute(name, number(value));
    }

    private Svg attribute(String name, String value) {
        body.append(' ').append(name).append("=\"").append(escape(value)).append('"');
        return this;
    }

    private Svg end(String element, String tooltip) {
        if (tooltip == null) {
            body.append("/>\n");
        } else {
            body.append("><title>").append(escape(tooltip)).append("</title></").append(element).append(">\n");
        }
        return this;
    }

    private static String pointList(double[] points) {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < points.length; i += 2) {
            list.append(i == 0 ? "" : " ").append(number(points[i])).append(',').append(number(points[i + 1]));
        }
        return list.toString();
    }
}
