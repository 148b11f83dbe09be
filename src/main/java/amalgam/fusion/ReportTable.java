package amalgam.fusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The readable form of a run's report: one row per model (the fused model, and with reference rows the pretrained
 * model and the individual fine-tuned models), one column per task plus the average, accuracy in percent.
 */
final class ReportTable {
    private ReportTable() {
    }

    /** The table, or an empty string when the report holds no task results (taskpool=dummy). */
    static String render(String methodLabel, Map<String, Object> report) {
        List<String> tasks = new ArrayList<>();
        report.forEach((key, value) -> {
            if (value instanceof Map<?, ?> metrics && metrics.containsKey("accuracy") && !key.equals("average")) {
                tasks.add(key);
            }
        });
        if (tasks.isEmpty()) {
            return "";
        }
        List<String> header = new ArrayList<>();
        header.add("model");
        header.addAll(tasks);
        header.add("average");
        List<List<String>> rows = new ArrayList<>();
        if (report.get("reference") instanceof Map<?, ?> reference) {
            addRow(rows, "pretrained", reference.get("pretrained"), tasks);
            addRow(rows, "individual", reference.get("individual"), tasks);
        }
        addRow(rows, methodLabel, report, tasks);
        int[] widths = new int[header.size()];
        for (int c = 0; c < header.size(); c++) {
            widths[c] = header.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder table = new StringBuilder();
        appendLine(table, header, widths);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < widths.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(widths[c]));
        }
        table.append(rule).append('\n');
        for (List<String> row : rows) {
            appendLine(table, row, widths);
        }
        return table.toString();
    }

    private static void addRow(List<List<String>> rows, String label, Object block, List<String> tasks) {
        if (!(block instanceof Map<?, ?> results)) {
            return;
        }
        List<String> row = new ArrayList<>();
        row.add(label);
        for (String task : tasks) {
            row.add(percent(results.get(task)));
        }
        row.add(percent(results.get("average")));
        rows.add(row);
    }

    private static String percent(Object metrics) {
        if (metrics instanceof Map<?, ?> map && map.get("accuracy") instanceof Number accuracy) {
            return String.format(Locale.ROOT, "%.1f", 100 * accuracy.doubleValue());
        }
        return "-";
    }

    private static void appendLine(StringBuilder table, List<String> cells, int[] widths) {
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            if (c == 0) {
                table.append(cell).append(" ".repeat(widths[c] - cell.length()));
            } else {
                table.append("  ").append(" ".repeat(widths[c] - cell.length())).append(cell);
            }
        }
        table.append('\n');
    }
}
