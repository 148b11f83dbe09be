package amalgam.fusion;

import amalgam.fusion.taskpool.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The readable form of a run's report: one row per model (the fused model, and with reference rows the pretrained
 * model and the individual fine-tuned models), one column per task plus the average, accuracy in percent (a perplexity
 * task: its perplexity; the average is over the tasks with an accuracy).
 */
final class ReportTable {
    private ReportTable() {
    }

    /** The table, or an empty string when the report holds no task results (taskpool=dummy). */
    static String render(String methodLabel, RunReport report) {
        List<String> tasks = List.copyOf(report.results().keySet());
        if (tasks.isEmpty()) {
            return "";
        }
        List<String> header = new ArrayList<>();
        header.add("model");
        header.addAll(tasks);
        header.add("average");
        List<List<String>> rows = new ArrayList<>();
        report.pretrained().ifPresent(results -> rows.add(row("pretrained", results, tasks)));
        // no individual row when no task model is named as a task (a language pool's models rarely are)
        report.individual().filter(results -> !results.isEmpty()).ifPresent(results -> rows.add(row("individual", results, tasks)));
        rows.add(row(methodLabel, report.results(), tasks));
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

    private static List<String> row(String label, Map<String, TaskMetrics> results, List<String> tasks) {
        List<String> row = new ArrayList<>();
        row.add(label);
        for (String task : tasks) {
            TaskMetrics metrics = results.get(task);
            row.add(metrics == null ? "-" : cell(metrics));
        }
        OptionalDouble average = RunReport.averageAccuracy(results);
        row.add(average.isPresent() ? percent(average.getAsDouble()) : "-");
        return row;
    }

    /** Accuracy in percent; a task without one (perplexity) shows its perplexity. */
    private static String cell(TaskMetrics metrics) {
        if (metrics.hasAccuracy()) {
            return percent(metrics.accuracy());
        }
        Double perplexity = metrics.named().get("perplexity");
        return perplexity == null ? "-" : String.format(Locale.ROOT, "ppl %.2f", perplexity);
    }

    private static String percent(double accuracy) {
        return String.format(Locale.ROOT, "%.1f", 100 * accuracy);
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
