package amalgam.report;

import java.util.Locale;

/** A small SVG writer: escaped text, fixed-precision numbers (so the same figure gives the same bytes). */
final class Svg {
    private final StringBuilder out = new StringBuilder();

    Svg(double width, double height, String title) {
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(number(width)).append("\" height=\"")
                .append(number(height)).append("\" viewBox=\"0 0 ").append(number(width)).append(' ').append(number(height))
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        out.append("<!-- written by amalgam -->\n");
        out.append("<title>").append(escape(title)).append("</title>\n");
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    }

    Svg rect(double x, double y, double width, double height, String fill, String cssClass) {
        out.append("<rect class=\"").append(cssClass).append("\" x=\"").append(number(x)).append("\" y=\"").append(number(y))
                .append("\" width=\"").append(number(width)).append("\" height=\"").append(number(height)).append("\" fill=\"")
                .append(fill).append("\"/>\n");
        return this;
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke) {
        out.append("<line x1=\"").append(number(x1)).append("\" y1=\"").append(number(y1)).append("\" x2=\"").append(number(x2))
                .append("\" y2=\"").append(number(y2)).append("\" stroke=\"").append(stroke).append("\"/>\n");
        return this;
    }

    /** A closed polygon through the points x0 y0 x1 y1 ... */
    Svg polygon(double[] points, String fill, String stroke, String cssClass) {
        out.append("<polygon class=\"").append(cssClass).append("\" fill=\"").append(fill).append("\" stroke=\"").append(stroke)
                .append("\" points=\"");
        for (int i = 0; i < points.length; i += 2) {
            out.append(i == 0 ? "" : " ").append(number(points[i])).append(',').append(number(points[i + 1]));
        }
        out.append("\"/>\n");
        return this;
    }

    /** Text anchored {@code start}, {@code middle} or {@code end}, rotated by {@code degrees} about its anchor. */
    Svg text(double x, double y, String text, String anchor, double degrees, String fill) {
        out.append("<text x=\"").append(number(x)).append("\" y=\"").append(number(y)).append("\" text-anchor=\"").append(anchor)
                .append("\" fill=\"").append(fill).append('"');
        if (degrees != 0) {
            out.append(" transform=\"rotate(").append(number(degrees)).append(' ').append(number(x)).append(' ').append(number(y))
                    .append(")\"");
        }
        out.append('>').append(escape(text)).append("</text>\n");
        return this;
    }

    String close() {
        return out + "</svg>\n";
    }

    static String number(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String escape(String text) {
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
}
