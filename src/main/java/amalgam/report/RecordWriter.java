package amalgam.report;

import amalgam.io.FileDigests;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A {@link RunRecord} as JSON, written field by field with Jackson's streaming generator: the same document as
 * {@link RecordJson} (a test holds them equal), without data binding, whose first use costs a run about half a
 * second of reflection over the record types. Runs write records; only the {@code runs} commands read them.
 */
final class RecordWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    private RecordWriter() {
    }

    static String json(RunRecord record) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = FACTORY.createGenerator(text)) {
            json.writeStartObject();
            json.writeStringField("uuid", record.uuid());
            json.writeStringField("command", record.command());
            json.writeStringField("dialect", record.dialect());
            json.writeStringField("method", record.method());
            json.writeFieldName("parameters");
            value(json, record.parameters());
            json.writeStringField("config_text", record.configText());
            json.writeArrayFieldStart("models");
            for (RunRecord.ModelInput model : record.models()) {
                model(json, model);
            }
            json.writeEndArray();
            json.writeStringField("model_pool", record.modelPool());
            json.writeStringField("task_pool", record.taskPool());
            scores(json, "scores", record.scores());
            json.writeFieldName("model_info");
            if (record.modelInfo() == null) {
                json.writeNull();
            } else {
                json.writeStartObject();
                json.writeNumberField("trainable_params", record.modelInfo().trainableParams());
                json.writeNumberField("all_params", record.modelInfo().allParams());
                json.writeEndObject();
            }
            diagnostics(json, record.diagnostics());
            json.writeNumberField("seed", record.seed());
            json.writeStringField("status", record.status().label());
            json.writeStringField("error", record.error());
            json.writeObjectFieldStart("timings");
            instant(json, "started_at", record.timings().startedAt());
            instant(json, "finished_at", record.timings().finishedAt());
            json.writeEndObject();
            invocation(json, record.invocation());
            environment(json, record.environment());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write run record " + record.uuid(), e);
        }
        return text.toString();
    }

    private static void scores(JsonGenerator json, String name, List<RunRecord.TaskScore> scores) throws IOException {
        json.writeArrayFieldStart(name);
        for (RunRecord.TaskScore score : scores) {
            json.writeStartObject();
            json.writeStringField("model", score.model());
            json.writeStringField("task", score.task());
            json.writeFieldName("accuracy");
            value(json, score.accuracy());
            json.writeFieldName("loss");
            value(json, score.loss());
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private static void diagnostics(JsonGenerator json, RunRecord.Diagnostics diagnostics) throws IOException {
        json.writeObjectFieldStart("diagnostics");
        scores(json, "validation", diagnostics.validation());
        json.writeArrayFieldStart("steps");
        for (RunRecord.Step step : diagnostics.steps()) {
            json.writeStartObject();
            json.writeNumberField("index", step.index());
            json.writeStringField("model", step.model());
            scores(json, "scores", step.scores());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("learned");
        for (RunRecord.LearnedTable table : diagnostics.learned()) {
            json.writeStartObject();
            json.writeStringField("name", table.name());
            json.writeFieldName("columns");
            value(json, table.columns());
            json.writeFieldName("rows");
            value(json, table.rows());
            json.writeFieldName("values");
            value(json, table.values());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void model(JsonGenerator json, RunRecord.ModelInput model) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", model.name());
        json.writeStringField("path", model.path());
        json.writeStringField("sha256", model.sha256());
        json.writeArrayFieldStart("files");
        for (FileDigests.FileDigest file : model.files()) {
            json.writeStartObject();
            json.writeStringField("file", file.file());
            json.writeNumberField("bytes", file.bytes());
            json.writeStringField("sha256", file.sha256());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void invocation(JsonGenerator json, RunRecord.Invocation invocation) throws IOException {
        json.writeObjectFieldStart("invocation");
        json.writeFieldName("arguments");
        value(json, invocation.arguments());
        json.writeStringField("working_directory", invocation.workingDirectory());
        json.writeStringField("output_path", invocation.outputPath());
        json.writeStringField("report_path", invocation.reportPath());
        json.writeStringField("sweep", invocation.sweep());
        json.writeNumberField("job", invocation.job());
        json.writeNumberField("pid", invocation.pid());
        instant(json, "process_start", invocation.processStart());
        json.writeEndObject();
    }

    private static void environment(JsonGenerator json, RunRecord.Environment environment) throws IOException {
        json.writeObjectFieldStart("environment");
        json.writeFieldName("software");
        value(json, environment.software());
        json.writeNumberField("cores", environment.cores());
        json.writeNumberField("memory_bytes", environment.memoryBytes());
        json.writeStringField("os", environment.os());
        json.writeStringField("jvm", environment.jvm());
        json.writeStringField("host", environment.host());
        json.writeEndObject();
    }

    private static void instant(JsonGenerator json, String name, Instant instant) throws IOException {
        json.writeStringField(name, instant == null ? null : instant.toString());
    }

    /** A parameter value: what configs and provenance hold (maps, lists, strings, numbers, booleans, null). */
    private static void value(JsonGenerator json, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case String text -> json.writeString(text);
            case Boolean flag -> json.writeBoolean(flag);
            case Integer number -> json.writeNumber(number);
            case Long number -> json.writeNumber(number);
            case Double number -> json.writeNumber(number);
            case Float number -> json.writeNumber(number);
            case Number number -> json.writeNumber(number.toString());
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    json.writeFieldName(String.valueOf(entry.getKey()));
                    value(json, entry.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (Object element : list) {
                    value(json, element);
                }
                json.writeEndArray();
            }
            default -> json.writeString(value.toString());
        }
    }
}
