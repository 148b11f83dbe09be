package amalgam.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * {@code amalgam runs compare ID ID...}: the runs side by side, one column each: the fused model's accuracy per task
 * and on average, its average loss, then the settings that differ between them (method parameters, seed, pools).
 */
public final class RunComparison {
    private final List<StoredRun> runs;

    public RunComparison(List<StoredRun> runs) {
        this.runs = List.copyOf(runs);
    }

    public String text() {
        List<String> header = new ArrayList<>(List.of(""));
        runs.forEach(run -> header.add(run.id()));
        boolean[] numeric = new boolean[header.size()];
        java.util.Arrays.fill(numeric, 1, numeric.length, true);
        TextTable table = new TextTable(header, numeric);
        table.add(row("method", run -> String.valueOf(run.method())));
        table.add(row("status", run -> run.status().label()));
        for (String task : tasks()) {
            table.add(row(task, run -> Formats.percent(run.accuracy(RunRecord.FUSED, task))));
        }
        table.add(row("average", run -> Formats.percent(run.averageAccuracy(RunRecord.FUSED))));
        table.add(row("average loss", run -> Formats.number(run.averageLoss(RunRecord.FUSED))));
        StringBuilder text = new StringBuilder(table.render());
        Map<String, List<Object>> differing = differingSettings();
        if (differing.isEmpty()) {
            text.append("\nno parameters differ\n");
        } else {
            List<String> settingsHeader = new ArrayList<>(header);
            settingsHeader.set(0, "parameters that differ");
            TextTable settings = new TextTable(settingsHeader, numeric);
            differing.forEach((name, values) -> {
                List<String> row = new ArrayList<>(List.of(name));
                values.forEach(value -> row.add(value == null ? "-" : Formats.value(value)));
                settings.add(row);
            });
            text.append('\n').append(settings.render());
        }
        return text.toString();
    }

    /**
     * {@code {"runs":[ID…],"accuracy":{TASK:{ID:x…}…},"average":{ID:x…},"average_loss":{ID:x…},
     * "differing_parameters":{NAME:{ID:value…}…}}}, accuracies as fractions, null where a run has no value.
     */
    public String json() {
        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("runs", runs.stream().map(StoredRun::id).toList());
        Map<String, Object> accuracy = new LinkedHashMap<>();
        for (String task : tasks()) {
            accuracy.put(task, byRun(run -> run.accuracy(RunRecord.FUSED, task)));
        }
        comparison.put("accuracy", accuracy);
        comparison.put("average", byRun(run -> run.averageAccuracy(RunRecord.FUSED)));
        comparison.put("average_loss", byRun(run -> run.averageLoss(RunRecord.FUSED)));
        Map<String, Object> differing = new LinkedHashMap<>();
        differingSettings().forEach((name, values) -> {
            Map<String, Object> perRun = new LinkedHashMap<>();
            for (int i = 0; i < runs.size(); i++) {
                perRun.put(runs.get(i).id(), values.get(i));
            }
            differing.put(name, perRun);
        });
        comparison.put("differing_parameters", differing);
        return RecordJson.writePretty(comparison);
    }

    /** Every task any of the runs was evaluated on, in the order they first appear. */
    private List<String> tasks() {
        Set<String> tasks = new LinkedHashSet<>();
        runs.forEach(run -> tasks.addAll(run.record().tasks(RunRecord.FUSED)));
        return List.copyOf(tasks);
    }

    private Map<String, List<Object>> differingSettings() {
        return differingSettings(runs.stream().map(StoredRun::record).toList());
    }

    /** The settings whose values are not the same in every run (absent counts as a value), a value per run. */
    static Map<String, List<Object>> differingSettings(List<RunRecord> records) {
        List<Map<String, Object>> settings = records.stream().map(RunComparison::settings).toList();
        Set<String> names = new LinkedHashSet<>();
        settings.forEach(map -> names.addAll(map.keySet()));
        Map<String, List<Object>> differing = new LinkedHashMap<>();
        for (String name : names) {
            List<Object> values = settings.stream().map(map -> map.get(name)).toList();
            Set<String> distinct = new LinkedHashSet<>();
            values.forEach(value -> distinct.add(Objects.toString(value == null ? null : RecordJson.write(value))));
            if (distinct.size() > 1) {
                differing.put(name, new ArrayList<>(values));
            }
        }
        return differing;
    }

    /** The method's parameters with the run's other settings. */
    private static Map<String, Object> settings(RunRecord record) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("method", record.method());
        record.parameters().forEach((name, value) -> settings.put(record.dialect().equals("mergekit") ? name : "method." + name, value));
        settings.put("seed", record.seed());
        settings.put("modelpool", record.modelPool());
        settings.put("taskpool", record.taskPool());
        return settings;
    }

    private List<String> row(String label, java.util.function.Function<RunRecord, String> cell) {
        List<String> row = new ArrayList<>(List.of(label));
        runs.forEach(run -> row.add(cell.apply(run.record())));
        return row;
    }

    private Map<String, Object> byRun(java.util.function.Function<RunRecord, OptionalDouble> value) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (StoredRun run : runs) {
            OptionalDouble found = value.apply(run.record());
            values.put(run.id(), found.isPresent() ? found.getAsDouble() : null);
        }
        return values;
    }
}
