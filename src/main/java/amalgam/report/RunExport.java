package amalgam.report;

import amalgam.UserInputException;
import amalgam.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code amalgam runs export}: every run, as CSV (one row per run: its settings, the fused model's accuracy per task as
 * {@code accuracy.TASK} columns, its machine) or as JSON (an array of the whole records, each with its id).
 */
public final class RunExport {
    /** The export formats. */
    public enum Format {
        CSV, JSON;

        /** {@code csv} or {@code json}; bad input otherwise. */
        public static Format parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "csv" -> CSV;
                case "json" -> JSON;
                default -> throw new UserInputException("unknown export format '" + text + "': give --format csv or --format json");
            };
        }
    }

    private static final List<String> LEADING = List.of("id", "uuid", "started_at", "finished_at", "duration_s", "command", "dialect",
            "method", "status", "error", "seed", "model_pool", "task_pool", "average_accuracy", "average_loss", "all_params");
    private static final List<String> TRAILING = List.of("parameters", "models", "sweep", "sweep_job", "amalgam", "jvm", "os", "host",
            "cores", "memory_bytes", "command_line");

    private RunExport() {
    }

    public static String render(List<StoredRun> runs, Format format) {
        return switch (format) {
            case JSON -> {
                ArrayNode array = RecordJson.MAPPER.createArrayNode();
                runs.forEach(run -> array.add(RunDetails.node(run)));
                yield RecordJson.writePretty(array) + "\n";
            }
            case CSV -> csv(runs);
        };
    }

    /**
     * Writes the export to {@code file}, whole or not at all; an existing file is replaced only when it is an earlier
     * export (the user's other files are never overwritten).
     */
    public static void write(Path file, String export, Format format) {
        if (Files.isDirectory(file)) {
            throw new UserInputException("--out '" + file + "' is a directory; give a file name");
        }
        if (Files.exists(file) && !isEarlierExport(file, format)) {
            throw new UserInputException("--out '" + file + "' exists and is not an earlier 'amalgam runs export' in " + format
                    .name().toLowerCase(Locale.ROOT) + ": refusing to overwrite it; choose another file");
        }
        AtomicFiles.writeString(file, export);
    }

    private static boolean isEarlierExport(Path file, Format format) {
        try {
            if (Files.size(file) > (256L << 20)) {
                return false;
            }
            return switch (format) {
                case CSV -> Files.readString(file).startsWith(String.join(",", LEADING.subList(0, 3)) + ",");
                case JSON -> RecordJson.MAPPER.readTree(file.toFile()) instanceof ArrayNode array
                        && (array.isEmpty() || array.get(0) instanceof JsonNode first && first.has("id") && first.has("uuid"));
            };
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String csv(List<StoredRun> runs) {
        Set<String> tasks = new LinkedHashSet<>();
        runs.forEach(run -> tasks.addAll(run.record().tasks(RunRecord.FUSED)));
        List<String> header = new ArrayList<>(LEADING);
        tasks.forEach(task -> header.add("accuracy." + task));
        header.addAll(TRAILING);
        StringBuilder csv = new StringBuilder();
        line(csv, header);
        for (StoredRun run : runs) {
            RunRecord record = run.record();
            List<String> cells = new ArrayList<>();
            cells.add(run.id());
            cells.add(record.uuid());
            cells.add(String.valueOf(record.timings().startedAt()));
            cells.add(record.timings().finishedAt() == null ? "" : record.timings().finishedAt().toString());
            cells.add(record.timings().duration() == null ? "" : Double.toString(record.timings().duration().toMillis() / 1000.0));
            cells.add(record.command());
            cells.add(record.dialect());
            cells.add(nullable(record.method()));
            cells.add(record.status().label());
            cells.add(nullable(record.error()));
            cells.add(Long.toString(record.seed()));
            cells.add(nullable(record.modelPool()));
            cells.add(nullable(record.taskPool()));
            cells.add(number(record.averageAccuracy(RunRecord.FUSED)));
            cells.add(number(record.averageLoss(RunRecord.FUSED)));
            cells.add(record.modelInfo() == null ? "" : Long.toString(record.modelInfo().allParams()));
            tasks.forEach(task -> cells.add(number(record.accuracy(RunRecord.FUSED, task))));
            cells.add(RecordJson.write(record.parameters()));
            Map<String, String> models = new LinkedHashMap<>();
            record.models().forEach(model -> models.put(model.name(), model.sha256()));
            cells.add(RecordJson.write(models));
            cells.add(nullable(record.invocation().sweep()));
            cells.add(Integer.toString(record.invocation().job()));
            cells.add(nullable(record.environment().software().get("amalgam")));
            cells.add(record.environment().jvm());
            cells.add(record.environment().os());
            cells.add(record.environment().host());
            cells.add(Integer.toString(record.environment().cores()));
            cells.add(Long.toString(record.environment().memoryBytes()));
            cells.add(String.join(" ", record.invocation().arguments()));
            line(csv, cells);
        }
        return csv.toString();
    }

    /** One RFC 4180 line: a cell with a comma, quote or line break is quoted, its quotes doubled. */
    private static void line(StringBuilder csv, List<String> cells) {
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            if (c > 0) {
                csv.append(',');
            }
            if (cell.contains(",") || cell.contains("\"") || cell.contains("\n") || cell.contains("\r")) {
                csv.append('"').append(cell.replace("\"", "\"\"")).append('"');
            } else {
                csv.append(cell);
            }
        }
        csv.append("\r\n");
    }

    private static String nullable(String value) {
        return value == null ? "" : value;
    }

    private static String number(java.util.OptionalDouble value) {
        return value.isPresent() ? Double.toString(value.getAsDouble()) : "";
    }
}
