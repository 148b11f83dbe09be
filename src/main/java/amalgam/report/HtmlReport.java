package amalgam.report;

import static amalgam.report.chart.Svg.escape;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The report of a set of runs as one self-contained HTML file: inline CSS and inline SVG figures, no script, no
 * reference to anything outside the file, so it opens offline and is the same bytes for the same runs. Each figure
 * sits beside the table of its numbers; every run's provenance is in a details block (and on hover over its marks).
 */
public final class HtmlReport {
    /** The generator the page names in its head: how a later report knows a file it may replace. */
    static final String GENERATOR = "<meta name=\"generator\" content=\"amalgam report\">";
    private static final String STYLE = """
            body{font-family:sans-serif;margin:24px auto;max-width:1400px;color:#222;padding:0 16px}
            h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
            nav a{margin-right:1em}
            .pair{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
            .figures{display:flex;flex-wrap:wrap;gap:12px}
            .table{overflow-x:auto;max-width:100%}
            table{border-collapse:collapse;font-size:13px}
            th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            th{background:#f4f4f4}
            details{margin:6px 0}summary{cursor:pointer}
            pre{white-space:pre-wrap;background:#f8f8f8;padding:8px}
            .status-failed,.status-interrupted{color:#b00}
            """;

    private HtmlReport() {
    }

    /** The page for {@code runs} (in the order given). */
    public static String render(String title, List<StoredRun> runs) {
        List<ReportSections.Section> sections = new ReportSections(runs).all();
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n").append(GENERATOR).append('\n')
                .append("<title>").append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(escape(title)).append("</h1>\n<p>").append(runs.size()).append(runs.size() == 1 ? " run" : " runs")
                .append(" from the run records. Hover over a bar or point for the run's provenance; every run's details are at the end.</p>\n");
        html.append("<nav>");
        for (ReportSections.Section section : sections) {
            html.append("<a href=\"#").append(section.id()).append("\">").append(escape(section.heading())).append("</a> ");
        }
        html.append("<a href=\"#runs\">Runs</a></nav>\n");
        if (runs.isEmpty()) {
            html.append("<p>No runs to report.</p>\n");
        }
        for (ReportSections.Section section : sections) {
            html.append("<section id=\"").append(section.id()).append("\">\n<h2>").append(escape(section.heading())).append("</h2>\n<p>")
                    .append(escape(section.text())).append("</p>\n<div class=\"pair\">\n<div class=\"figures\">\n");
            section.figures().forEach(html::append);
            html.append("</div>\n<div class=\"table\">\n").append(section.table()).append("</div>\n</div>\n</section>\n");
        }
        html.append("<section id=\"runs\">\n<h2>Runs</h2>\n");
        RunLabels labels = new RunLabels(runs);
        for (StoredRun run : runs) {
            html.append(details(run, labels.of(run)));
        }
        return html.append("</section>\n</body>\n</html>\n").toString();
    }

    private static String details(StoredRun run, String label) {
        RunRecord record = run.record();
        StringBuilder html = new StringBuilder("<details id=\"run-").append(escape(run.id())).append("\">\n<summary>")
                .append(escape(label)).append(" — <span class=\"status-").append(record.status().label()).append("\">")
                .append(record.status().label()).append("</span>, average accuracy ")
                .append(Formats.percent(record.averageAccuracy(RunRecord.FUSED))).append(" %</summary>\n");
        HtmlTable facts = new HtmlTable(List.of("", ""));
        facts.row(List.of("id", run.id()));
        facts.row(List.of("command line", "amalgam " + String.join(" ", record.invocation().arguments())));
        facts.row(List.of("method", record.dialect() + " " + record.method()));
        facts.row(List.of("model pool", String.valueOf(record.modelPool())));
        facts.row(List.of("task pool", String.valueOf(record.taskPool())));
        facts.row(List.of("seed", Long.toString(record.seed())));
        facts.row(List.of("started", Formats.time(record.timings().startedAt())));
        facts.row(List.of("time", Formats.duration(record.timings().duration())));
        if (record.invocation().sweep() != null) {
            facts.row(List.of("sweep", record.invocation().sweep() + ", job " + record.invocation().job()));
        }
        if (record.error() != null) {
            facts.row(List.of("error", record.error()));
        }
        for (Map.Entry<String, String> software : record.environment().software().entrySet()) {
            facts.row(List.of(software.getKey(), software.getValue()));
        }
        facts.row(List.of("machine", record.environment().host() + ", " + record.environment().cores() + " cores, "
                + Formats.bytes(record.environment().memoryBytes())));
        html.append(facts.html());
        if (!record.parameters().isEmpty()) {
            HtmlTable parameters = new HtmlTable(List.of("parameter", "value"));
            record.parameters().forEach((name, value) -> parameters.row(List.of(name, Formats.value(value))));
            html.append(parameters.html());
        }
        if (!record.models().isEmpty()) {
            HtmlTable models = new HtmlTable(List.of("model", "path", "sha256"));
            record.models().forEach(model -> models.row(List.of(model.name(), String.valueOf(model.path()), String.valueOf(model.sha256()))));
            html.append(models.html());
        }
        if (record.configText() != null && !record.configText().isBlank()) {
            html.append("<pre>").append(escape(record.configText())).append("</pre>\n");
        }
        return html.append("</details>\n").toString();
    }

    /**
     * Writes the page to {@code file} whole or not at all; an existing file is replaced only when it is an earlier
     * report (the user's other files are never overwritten).
     */
    public static void write(Path file, String html, String option) {
        checkWritable(file, option);
        AtomicFiles.writeString(file, html);
    }

    /** Refuses a report path that holds anything but an earlier report. */
    public static void checkWritable(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new UserInputException(option + " '" + file + "' is a directory; give a file name");
        }
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !isEarlierReport(file)) {
            throw new UserInputException(option + " '" + file + "' exists and is not an earlier amalgam report: refusing to"
                    + " overwrite it; choose another file");
        }
    }

    private static boolean isEarlierReport(Path file) {
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            String head = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            return head.startsWith("<!DOCTYPE html>") && head.contains(GENERATOR);
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs known only in memory (not yet in the database) under ids {@code 1-abcdef}, {@code 2-...}: their order. */
    public static List<StoredRun> numbered(List<RunRecord> records) {
        List<StoredRun> runs = new ArrayList<>();
        for (RunRecord record : records) {
            runs.add(new StoredRun((runs.size() + 1) + "-" + record.shortHash(), record));
        }
        return runs;
    }
}
