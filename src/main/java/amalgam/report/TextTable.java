package amalgam.report;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: a header, a rule, rows; the first column left-aligned, the others as asked. */
final class TextTable {
    private final List<String> header;
    private final boolean[] rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** Columns named {@code header}; those listed in {@code numeric} are right-aligned. */
    TextTable(List<String> header, boolean... numeric) {
        this.header = List.copyOf(header);
        this.rightAligned = new boolean[header.size()];
        for (int c = 0; c < Math.min(numeric.length, header.size()); c++) {
            rightAligned[c] = numeric[c];
        }
    }

    TextTable add(List<String> row) {
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("a row of " + row.size() + " cells in a table of " + header.size() + " columns");
        }
        rows.add(List.copyOf(row));
        return this;
    }

    String render() {
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = header.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder table = new StringBuilder();
        line(table, header, widths);
        List<String> rule = new ArrayList<>();
        for (int width : widths) {
            rule.add("-".repeat(width));
        }
        line(table, rule, widths);
        for (List<String> row : rows) {
            line(table, row, widths);
        }
        return table.toString();
    }

    private void line(StringBuilder table, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(widths[c] - cell.length());
            line.append(c == 0 ? "" : "  ").append(rightAligned[c] ? pad + cell : cell + pad);
        }
        table.append(line.toString().stripTrailing()).append('\n');
    }
}
