package amalgam.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code amalgam runs list}: one line per run. */
public final class RunListing {
    private RunListing() {
    }

    public static String text(List<StoredRun> runs) {
        if (runs.isEmpty()) {
            return "no runs recorded\n";
        }
        TextTable table = new TextTable(List.of("id", "started", "command", "method", "status", "accuracy", "duration", "task pool"),
                false, false, false, false, false, true, true, false);
        for (StoredRun run : runs) {
            RunRecord record = run.record();
            table.add(List.of(run.id(), Formats.time(record.timings().startedAt()), record.command(), String.valueOf(record.method()),
                    record.status().label(), Formats.percent(record.averageAccuracy(RunRecord.FUSED)),
                    Formats.duration(record.timings().duration()), record.taskPool() == null ? "-" : record.taskPool()));
        }
        return table.render();
    }

    /** {@code [{"id":…,"started_at":…,"command":…,"method":…,"status":…,"average_accuracy":…,"duration_ms":…}…]}. */
    public static String json(List<StoredRun> runs) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (StoredRun run : runs) {
            RunRecord record = run.record();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", run.id());
            row.put("started_at", record.timings().startedAt().toString());
            row.put("command", record.command());
            row.put("method", record.method());
            row.put("status", record.status().label());
            row.put("average_accuracy", record.averageAccuracy(RunRecord.FUSED).isPresent()
                    ? record.averageAccuracy(RunRecord.FUSED).getAsDouble() : null);
            row.put("duration_ms", record.timings().duration() == null ? null : record.timings().duration().toMillis());
            row.put("task_pool", record.taskPool());
            rows.add(row);
        }
        return RecordJson.writePretty(rows);
    }
}
