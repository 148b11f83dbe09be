package amalgam.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** {@code amalgam runs show ID}: everything a run's record holds. */
public final class RunDetails {
    private static final List<String> ROWS = List.of("pretrained", "individual", RunRecord.FUSED);

    private RunDetails() {
    }

    public static String text(StoredRun run) {
        RunRecord record = run.record();
        StringBuilder text = new StringBuilder();
        field(text, "run", run.id() + "  (" + record.uuid() + ")");
        field(text, "command", "amalgam " + String.join(" ", record.invocation().arguments()));
        field(text, "status", record.status().label() + (record.error() == null ? "" : ": " + record.error()));
        field(text, "method", record.method() + " (" + record.dialect() + ")");
        field(text, "started", Formats.time(record.timings().startedAt()) + " in " + record.invocation().workingDirectory());
        field(text, "finished", Formats.time(record.timings().finishedAt()) + " (" + Formats.duration(record.timings().duration()) + ")");
        if (record.invocation().sweep() != null) {
            field(text, "sweep", record.invocation().sweep() + ", job " + record.invocation().job());
        }
        field(text, "seed", Long.toString(record.seed()));
        if (record.modelPool() != null) {
            field(text, "model pool", record.modelPool());
        }
        if (record.taskPool() != null) {
            field(text, "task pool", record.taskPool());
        }
        if (record.invocation().outputPath() != null) {
            field(text, "output", record.invocation().outputPath());
        }
        if (record.invocation().reportPath() != null) {
            field(text, "report", record.invocation().reportPath());
        }
        if (record.modelInfo() != null) {
            field(text, "parameters", record.modelInfo().allParams() + " (trainable " + record.modelInfo().trainableParams() + ")");
        }
        RunRecord.Environment environment = record.environment();
        field(text, "machine", environment.host() + ", " + environment.cores() + " cores, " + Formats.bytes(environment.memoryBytes())
                + ", " + environment.os());
        field(text, "jvm", environment.jvm());
        field(text, "software", String.join(", ", environment.software().entrySet().stream()
                .map(entry -> entry.getKey() + " " + entry.getValue()).toList()));
        text.append("\nmethod parameters:\n");
        if (record.parameters().isEmpty()) {
            text.append("  (none)\n");
        }
        record.parameters().forEach((name, value) -> text.append("  ").append(name).append(" = ").append(Formats.value(value)).append('\n'));
        text.append("\nmodels:\n");
        if (record.models().isEmpty()) {
            text.append("  (not hashed: the run stopped before)\n");
        }
        if (!record.models().isEmpty()) {
            TextTable models = new TextTable(List.of("name", "path", "sha256"));
            record.models().forEach(model -> models.add(List.of(model.name(), model.path(), model.sha256())));
            text.append(indented(models.render()));
        }
        String scores = scores(record);
        if (!scores.isEmpty()) {
            text.append("\naccuracy (%):\n").append(scores);
        }
        if (record.configText() != null && !record.configText().isBlank()) {
            text.append("\nconfig:\n");
            record.configText().lines().forEach(line -> text.append("  ").append(line).append('\n'));
        }
        return text.toString();
    }

    /** The run's record as JSON, with its id first. */
    public static String json(StoredRun run) {
        return RecordJson.writePretty(node(run));
    }

    static ObjectNode node(StoredRun run) {
        ObjectNode node = RecordJson.MAPPER.createObjectNode();
        node.put("id", run.id());
        node.setAll((ObjectNode) RecordJson.MAPPER.valueToTree(run.record()));
        return node;
    }

    /** The scores as the run printed them: a row per model, a column per task and the average. */
    private static String scores(RunRecord record) {
        List<String> tasks = record.tasks(RunRecord.FUSED);
        if (tasks.isEmpty()) {
            return "";
        }
        List<String> header = new ArrayList<>(List.of("model"));
        header.addAll(tasks);
        header.add("average");
        boolean[] numeric = new boolean[header.size()];
        java.util.Arrays.fill(numeric, 1, numeric.length, true);
        TextTable table = new TextTable(header, numeric);
        for (String model : ROWS) {
            if (record.tasks(model).isEmpty()) {
                continue;
            }
            List<String> row = new ArrayList<>(List.of(model.equals(RunRecord.FUSED) ? record.method() : model));
            for (String task : tasks) {
                row.add(Formats.percent(record.accuracy(model, task)));
            }
            row.add(Formats.percent(record.averageAccuracy(model)));
            table.add(row);
        }
        return indented(table.render());
    }

    private static String indented(String block) {
        return block.lines().map(line -> "  " + line + "\n").reduce("", String::concat);
    }

    private static void field(StringBuilder text, String name, String value) {
        text.append(name).append(" ".repeat(Math.max(1, 12 - name.length()))).append(value).append('\n');
    }

}
