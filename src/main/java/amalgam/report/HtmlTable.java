package amalgam.report;

import static amalgam.report.chart.Svg.escape;

import java.util.ArrayList;
import java.util.List;

/** A plain HTML table: a header row and text cells, escaped; numeric-looking cells are right-aligned by the page's CSS. */
final class HtmlTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    HtmlTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    HtmlTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for " + header.size() + " columns");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String html() {
        StringBuilder html = new StringBuilder("<table>\n<thead><tr>");
        header.forEach(cell -> html.append("<th>").append(escape(cell)).append("</th>"));
        html.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            html.append("<tr>");
            for (String cell : row) {
                html.append(isNumber(cell) ? "<td class=\"num\">" : "<td>").append(escape(cell)).append("</td>");
            }
            html.append("</tr>\n");
        }
        return html.append("</tbody>\n</table>\n").toString();
    }

    private static boolean isNumber(String cell) {
        return cell.matches("[-+]?[0-9][0-9,.]*( ?[%sGMk]| min)?");
    }
}
