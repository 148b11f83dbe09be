package amalgam.report;

import amalgam.report.chart.BarChart;
import amalgam.report.chart.Heatmap;
import amalgam.report.chart.LineChart;
import amalgam.report.chart.Palette;
import amalgam.report.chart.RadarChart;
import amalgam.report.chart.ScatterChart;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The report's figures from a list of runs, each with the table of its numbers: accuracy per method and task, average
 * accuracy against the reference models, a radar per run, the matrices and coefficients methods learned, continual
 * curves, sweep curves with the point chosen on validation, and parameter count against accuracy. A section appears
 * only when some run has what it draws.
 */
final class ReportSections {
    /** One section of the page: figures (inline SVG) beside the table of their numbers. */
    record Section(String id, String heading, String text, List<String> figures, String table) {
    }

    private static final String PRETRAINED = "pretrained";
    private static final String INDIVIDUAL = "individual";

    private final List<StoredRun> scored;
    private final RunLabels labels;
    private final List<String> tasks;
    private final StoredRun references;

    ReportSections(List<StoredRun> runs) {
        this.scored = runs.stream().filter(run -> run.record().status() == RunRecord.Status.OK
                && run.record().averageAccuracy(RunRecord.FUSED).isPresent()).toList();
        this.labels = new RunLabels(runs);
        Set<String> names = new LinkedHashSet<>();
        scored.forEach(run -> names.addAll(run.record().tasks(RunRecord.FUSED)));
        this.tasks = List.copyOf(names);
        StoredRun latest = null;
        for (StoredRun run : runs) {
            if (run.record().averageAccuracy(PRETRAINED).isPresent() && run.record().averageAccuracy(INDIVIDUAL).isPresent()) {
                latest = run;
            }
        }
        this.references = latest;
    }

    List<Section> all() {
        List<Section> sections = new ArrayList<>();
        if (!scored.isEmpty()) {
            sections.add(accuracyPerTask());
            sections.add(averageAccuracy());
            if (tasks.size() >= 3) {
                sections.add(radars());
            }
        }
        sections.addAll(learnedTables());
        sections.addAll(continualCurves());
        sections.addAll(sweepCurves());
        parametersAgainstAccuracy().ifPresent(sections::add);
        return sections;
    }

    private Section accuracyPerTask() {
        List<String> rows = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("model"));
        header.addAll(tasks);
        header.add("average");
        HtmlTable table = new HtmlTable(header);
        if (references != null) {
            for (String reference : List.of(PRETRAINED, INDIVIDUAL)) {
                addRow(reference + " (#" + RunLabels.sequence(references) + ")", references.record(), reference, rows, values, table);
            }
        }
        for (StoredRun run : scored) {
            addRow(labels.of(run), run.record(), RunRecord.FUSED, rows, values, table);
        }
        String figure = Heatmap.svg("Accuracy (%) per task", rows, tasks, values.stream().mapToDouble(Double::doubleValue).toArray(),
                "%.1f");
        return new Section("accuracy", "Accuracy per task", "Test accuracy in percent of every run's fused model on each task"
                + (references != null ? ", under the pretrained and individual models' rows." : "."), List.of(figure), table.html());
    }

    private void addRow(String label, RunRecord record, String model, List<String> rows, List<Double> values, HtmlTable table) {
        rows.add(label);
        List<String> cells = new ArrayList<>(List.of(label));
        for (String task : tasks) {
            OptionalDouble accuracy = record.accuracy(model, task);
            values.add(accuracy.isPresent() ? 100 * accuracy.getAsDouble() : Double.NaN);
            cells.add(Formats.percent(accuracy));
        }
        cells.add(Formats.percent(record.averageAccuracy(model)));
        table.row(cells);
    }

    private Section averageAccuracy() {
        List<BarChart.Bar> bars = new ArrayList<>();
        HtmlTable table = new HtmlTable(List.of("run", "method", "average accuracy (%)", "average loss", "time"));
        for (StoredRun run : scored) {
            double average = 100 * run.record().averageAccuracy(RunRecord.FUSED).getAsDouble();
            bars.add(new BarChart.Bar(labels.of(run), average, provenance(run)));
            table.row(List.of(run.id(), run.record().method(), Formats.percent(run.record().averageAccuracy(RunRecord.FUSED)),
                    Formats.number(run.record().averageLoss(RunRecord.FUSED)), Formats.duration(run.record().timings().duration())));
        }
        return new Section("average", "Average accuracy", "Each run's mean test accuracy over its tasks"
                + (references != null ? "; the dashed lines are the pretrained model's and the individual task models' averages." : "."),
                List.of(BarChart.svg("Average accuracy (%)", "accuracy (%)", bars, referenceLines())), table.html());
    }

    private List<BarChart.Reference> referenceLines() {
        if (references == null) {
            return List.of();
        }
        return List.of(new BarChart.Reference("pretrained " + Formats.percent(references.record().averageAccuracy(PRETRAINED)),
                        100 * references.record().averageAccuracy(PRETRAINED).getAsDouble(), Palette.PRETRAINED),
                new BarChart.Reference("individual " + Formats.percent(references.record().averageAccuracy(INDIVIDUAL)),
                        100 * references.record().averageAccuracy(INDIVIDUAL).getAsDouble(), Palette.INDIVIDUAL));
    }

    private Section radars() {
        List<RadarChart.Polygon> outlines = new ArrayList<>();
        if (references != null) {
            outlines.add(new RadarChart.Polygon(PRETRAINED, percentages(references.record(), PRETRAINED), Palette.PRETRAINED));
            outlines.add(new RadarChart.Polygon(INDIVIDUAL, percentages(references.record(), INDIVIDUAL), Palette.INDIVIDUAL));
        }
        List<String> figures = new ArrayList<>();
        for (StoredRun run : scored) {
            figures.add(RadarChart.svg(labels.of(run), tasks,
                    new RadarChart.Polygon(labels.of(run), percentages(run.record(), RunRecord.FUSED), Palette.colour(0)), outlines));
        }
        HtmlTable table = new HtmlTable(List.of("run", "best task", "worst task"));
        for (StoredRun run : scored) {
            List<Double> values = percentages(run.record(), RunRecord.FUSED);
            int best = argmax(values, 1);
            int worst = argmax(values, -1);
            table.row(List.of(labels.of(run), tasks.get(best) + " " + String.format(Locale.ROOT, "%.1f", values.get(best)),
                    tasks.get(worst) + " " + String.format(Locale.ROOT, "%.1f", values.get(worst))));
        }
        return new Section("radar", "Per-task profile", "One radar per run: accuracy (%) on each task from the centre (0) to the rim"
                + " (100)" + (references != null ? ", with the pretrained and individual models outlined." : "."), figures, table.html());
    }

    private List<Double> percentages(RunRecord record, String model) {
        return tasks.stream().map(task -> record.accuracy(model, task)).map(value -> value.isPresent() ? 100 * value.getAsDouble()
                : Double.NaN).toList();
    }

    private static int argmax(List<Double> values, int sign) {
        int best = -1;
        for (int i = 0; i < values.size(); i++) {
            if (!Double.isNaN(values.get(i)) && (best < 0 || sign * values.get(i) > sign * values.get(best))) {
                best = i;
            }
        }
        return Math.max(best, 0);
    }

    /** Square tables whose rows are their columns (a similarity matrix) as heatmaps; the others as coefficient curves. */
    private List<Section> learnedTables() {
        List<Section> sections = new ArrayList<>();
        for (StoredRun run : scored.isEmpty() ? List.<StoredRun>of() : scored) {
            for (RunRecord.LearnedTable learned : run.record().diagnostics().learned()) {
                String id = "learned-" + RunLabels.sequence(run) + "-" + learned.name().replaceAll("[^A-Za-z0-9_-]", "_");
                String heading = learned.name() + " of " + labels.of(run);
                if (learned.rows().equals(learned.columns())) {
                    double[] values = learned.values().stream().flatMapToDouble(row -> row.stream().mapToDouble(Double::doubleValue)).toArray();
                    sections.add(new Section(id, heading, "The matrix the method computed over the pool's models.",
                            List.of(Heatmap.svg(learned.name(), learned.rows(), learned.columns(), values)), learnedTable(learned, false)));
                } else {
                    List<LineChart.Series> series = new ArrayList<>();
                    double[] positions = IntStream.range(0, learned.columns().size()).asDoubleStream().toArray();
                    for (int row = 0; row < learned.rows().size(); row++) {
                        series.add(new LineChart.Series(learned.rows().get(row), positions,
                                learned.values().get(row).stream().mapToDouble(Double::doubleValue).toArray()));
                    }
                    String figure = LineChart.svg(learned.name(), new LineChart.Axes("parameter group", "value",
                            withoutCommonPrefix(learned.columns())), series, null);
                    sections.add(new Section(id, heading, "What the method learned: one curve per model over the columns of its table"
                            + " (AdaMerging's coefficients: one per task model and layer).", List.of(figure),
                            learnedTable(learned, learned.columns().size() > learned.rows().size())));
                }
            }
        }
        return sections;
    }

    /** Names without the dotted prefix they all share ({@code vision_model.encoder.layers.0.mlp.fc1.weight} as {@code layers.0...}). */
    static List<String> withoutCommonPrefix(List<String> names) {
        if (names.size() < 2) {
            return names;
        }
        String prefix = names.getFirst();
        for (String name : names) {
            while (!name.startsWith(prefix)) {
                prefix = prefix.substring(0, prefix.length() - 1);
            }
        }
        int cut = prefix.lastIndexOf('.') + 1;
        return names.stream().map(name -> name.length() > cut ? name.substring(cut) : name).toList();
    }

    private static String learnedTable(RunRecord.LearnedTable learned, boolean transposed) {
        List<String> across = transposed ? learned.rows() : learned.columns();
        List<String> down = transposed ? learned.columns() : learned.rows();
        List<String> header = new ArrayList<>(List.of(""));
        header.addAll(across);
        HtmlTable table = new HtmlTable(header);
        for (int i = 0; i < down.size(); i++) {
            List<String> cells = new ArrayList<>(List.of(down.get(i)));
            for (int j = 0; j < across.size(); j++) {
                double value = transposed ? learned.values().get(j).get(i) : learned.values().get(i).get(j);
                cells.add(String.format(Locale.ROOT, "%.4f", value));
            }
            table.row(cells);
        }
        return table.html();
    }

    /** A continual run's models after every step, on the tasks seen so far. */
    private List<Section> continualCurves() {
        List<Section> sections = new ArrayList<>();
        for (StoredRun run : scored) {
            List<RunRecord.Step> steps = run.record().diagnostics().steps();
            if (steps.isEmpty()) {
                continue;
            }
            List<String> categories = steps.stream().map(step -> (step.index() + 1) + ": " + step.model()).toList();
            double[] positions = IntStream.range(0, steps.size()).asDoubleStream().toArray();
            Set<String> seen = new LinkedHashSet<>();
            steps.forEach(step -> step.scores().forEach(score -> seen.add(score.task())));
            List<LineChart.Series> series = new ArrayList<>();
            series.add(new LineChart.Series("average over the tasks seen", positions, steps.stream()
                    .mapToDouble(step -> 100 * step.scores().stream().filter(score -> score.accuracy() != null)
                            .mapToDouble(RunRecord.TaskScore::accuracy).average().orElse(Double.NaN))
                    .toArray()));
            for (String task : seen) {
                series.add(new LineChart.Series(task, positions, steps.stream().mapToDouble(step -> step.scores().stream()
                        .filter(score -> score.task().equals(task) && score.accuracy() != null).mapToDouble(score -> 100 * score.accuracy())
                        .findFirst()
                        .orElse(Double.NaN)).toArray()));
            }
            List<String> header = new ArrayList<>(List.of("step", "average"));
            header.addAll(seen);
            HtmlTable table = new HtmlTable(header);
            for (int i = 0; i < steps.size(); i++) {
                List<String> cells = new ArrayList<>(List.of(categories.get(i)));
                for (LineChart.Series line : series) {
                    double value = line.y()[i];
                    cells.add(Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value));
                }
                table.row(cells);
            }
            String figure = LineChart.svg("Continual merging: " + labels.of(run), new LineChart.Axes("after merging model", "accuracy (%)",
                    categories), series, null);
            sections.add(new Section("continual-" + RunLabels.sequence(run), "Continual merging of " + labels.of(run),
                    "Accuracy (%) of the model after each step on the tasks merged so far (evaluate_on_every_step).", List.of(figure),
                    table.html()));
        }
        return sections;
    }

    /** The points of each sweep against the swept settings: validation and test accuracy, the best on validation ringed. */
    private List<Section> sweepCurves() {
        Map<String, List<StoredRun>> sweeps = new LinkedHashMap<>();
        for (StoredRun run : scored) {
            if (run.record().invocation().sweep() != null) {
                sweeps.computeIfAbsent(run.record().invocation().sweep(), sweep -> new ArrayList<>()).add(run);
            }
        }
        List<Section> sections = new ArrayList<>();
        int number = 0;
        for (List<StoredRun> points : sweeps.values()) {
            number++;
            if (points.size() < 2) {
                continue;
            }
            Map<String, List<Object>> swept = RunComparison.differingSettings(points.stream().map(StoredRun::record).toList());
            boolean numeric = swept.size() == 1 && swept.values().iterator().next().stream().allMatch(value -> value instanceof Number);
            List<String> settings = new ArrayList<>();
            List<String> ticks = new ArrayList<>(); // the same without the "method." of method parameters: the axis is narrow
            for (int i = 0; i < points.size(); i++) {
                int point = i;
                settings.add(String.join(", ", swept.entrySet().stream()
                        .map(entry -> entry.getKey() + "=" + Formats.value(entry.getValue().get(point))).toList()));
                ticks.add(String.join(", ", swept.entrySet().stream()
                        .map(entry -> RunLabels.shortSetting(entry.getKey()) + "=" + Formats.value(entry.getValue().get(point)))
                        .toList()));
            }
            double[] x = numeric ? swept.values().iterator().next().stream().mapToDouble(value -> ((Number) value).doubleValue()).toArray()
                    : IntStream.range(0, points.size()).asDoubleStream().toArray();
            double[] validation = points.stream().mapToDouble(run -> 100 * run.record().diagnostics().averageValidationAccuracy()
                    .orElse(Double.NaN)).toArray();
            double[] test = points.stream().mapToDouble(run -> 100 * run.record().averageAccuracy(RunRecord.FUSED).getAsDouble()).toArray();
            int best = -1;
            for (int i = 0; i < points.size(); i++) {
                if (!Double.isNaN(validation[i]) && (best < 0 || validation[i] > validation[best])) {
                    best = i;
                }
            }
            List<LineChart.Series> series = new ArrayList<>();
            if (best >= 0) {
                series.add(new LineChart.Series("validation", x, validation));
            }
            series.add(new LineChart.Series("test", x, test));
            LineChart.Highlight highlight = best < 0 ? null : new LineChart.Highlight(0, best,
                    String.format(Locale.ROOT, "best on validation (test %.1f)", test[best]));
            String xTitle = numeric ? swept.keySet().iterator().next() : "point";
            String method = points.getFirst().record().method();
            String figure = LineChart.svg("Sweep " + number + ": " + method, new LineChart.Axes(xTitle, "average accuracy (%)",
                    numeric ? null : ticks), series, highlight);
            HtmlTable table = new HtmlTable(List.of("run", "settings", "validation (%)", "test (%)", "chosen"));
            for (int i = 0; i < points.size(); i++) {
                table.row(List.of(points.get(i).id(), settings.get(i), Double.isNaN(validation[i]) ? "-"
                        : String.format(Locale.ROOT, "%.1f", validation[i]), String.format(Locale.ROOT, "%.1f", test[i]),
                        i == best ? "best on validation" : ""));
            }
            String text = best >= 0 ? "Every point of the sweep; the best is chosen on the validation splits, never on the test"
                    + " split, and reported with its test accuracy." : "Every point of the sweep (no validation splits were evaluated,"
                    + " so no point is chosen).";
            sections.add(new Section("sweep-" + number, "Sweep " + number + " of " + method, text, List.of(figure), table.html()));
        }
        return sections;
    }

    /** Every run's parameter count against its accuracy: what a mixture or an ensemble costs for what it gains. */
    private java.util.Optional<Section> parametersAgainstAccuracy() {
        List<ScatterChart.Point> points = new ArrayList<>();
        HtmlTable table = new HtmlTable(List.of("run", "parameters", "trainable", "average accuracy (%)"));
        for (StoredRun run : scored) {
            RunRecord.ModelInfo info = run.record().modelInfo();
            if (info == null || info.allParams() <= 0) {
                continue;
            }
            double average = 100 * run.record().averageAccuracy(RunRecord.FUSED).getAsDouble();
            points.add(new ScatterChart.Point("#" + RunLabels.sequence(run), info.allParams(), average,
                    provenance(run)));
            table.row(List.of(labels.of(run), String.format(Locale.ROOT, "%,d", info.allParams()),
                    String.format(Locale.ROOT, "%,d", info.trainableParams()), String.format(Locale.ROOT, "%.1f", average)));
        }
        if (points.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<BarChart.Reference> lines = references == null ? List.of() : referenceLines();
        return java.util.Optional.of(new Section("parameters", "Parameters against accuracy",
                "The fused model's parameter count (log scale; a mixture or an ensemble counts all its members) against its average"
                        + " accuracy. Points are named by run number (#12 is run 12 of the table beside), where the name has room.",
                List.of(ScatterChart.svg("Parameters against accuracy", "parameters", "average accuracy (%)",
                        points, lines)), table.html()));
    }

    /** A run's provenance in one line, for tooltips. */
    static String provenance(StoredRun run) {
        RunRecord record = run.record();
        StringBuilder text = new StringBuilder("run ").append(run.id()).append(": ").append(record.method());
        record.parameters().forEach((name, value) -> text.append(' ').append(name).append('=').append(Formats.value(value)));
        text.append("; seed ").append(record.seed());
        if (record.modelPool() != null) {
            text.append("; models ").append(record.modelPool());
        }
        return text.toString();
    }
}
