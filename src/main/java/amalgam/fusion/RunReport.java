package amalgam.fusion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;
import amalgam.UserInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The report of a run, FusionBench-shaped: one entry per task ({@code {"accuracy": .., "loss": ..}}),
 * {@code "average"}, {@code "model_info"} with parameter counts, and with {@code reference=true} a
 * {@code "reference"} block.
 */
public final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The key of the tables a method learned. */
    public static final String LEARNED = "learned";

    private final Map<String, Object> entries = new LinkedHashMap<>();

    public void putModelInfo(long trainableParameters, long allParameters) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("trainable_params", trainableParameters);
        info.put("all_params", allParameters);
        info.put("trainable_percentage", allParameters == 0 ? 0.0 : (double) trainableParameters / allParameters);
        entries.put("model_info", info);
    }

    /**
     * A table the method learned, under {@code "learned"}: {@code {NAME: {"columns": [...], "rows": {MODEL: [...]}}}}
     * (AdaMerging's coefficients: one row per task model, one column per parameter group).
     */
    public void putLearned(LearnedCoefficients table) {
        @SuppressWarnings("unchecked")
        Map<String, Object> learned = (Map<String, Object>) entries.computeIfAbsent(LEARNED, key -> new LinkedHashMap<>());
        Map<String, Object> rows = new LinkedHashMap<>();
        for (int row = 0; row < table.rows().size(); row++) {
            java.util.List<Double> values = new java.util.ArrayList<>();
            for (int column = 0; column < table.columns().size(); column++) {
                values.add((double) table.get(row, column));
            }
            rows.put(table.rows().get(row), values);
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("columns", table.columns());
        entry.put("rows", rows);
        learned.put(table.name(), entry);
    }

    public void put(String key, Object value) {
        entries.put(key, value);
    }

    public Map<String, Object> entries() {
        return entries;
    }

    /**
     * Refuses, before the run does any work, a report path that holds something amalgam did not write: an existing
     * file may be replaced only when it is an earlier report (a JSON object with {@code model_info}).
     */
    public static void checkReplaceable(Path file, java.util.Collection<Path> inputs) {
        if (Files.isDirectory(file) || Files.isSymbolicLink(file)) {
            throw new UserInputException("report_save_path '" + file + "' is a directory or a link, not a report file");
        }
        if (!Files.exists(file)) {
            return;
        }
        boolean earlierReport;
        try {
            earlierReport = Files.size(file) < (64L << 20) && JSON.readTree(file.toFile()) instanceof ObjectNode object
                    && object.has("model_info");
        } catch (IOException notJson) {
            earlierReport = false;
        }
        if (!earlierReport) {
            throw new UserInputException("report_save_path '" + file + "' exists and is not an earlier amalgam report:"
                    + " refusing to overwrite it; choose another file");
        }
    }

    public String toPrettyJson() {
        try {
            return JSON.writeValueAsString(entries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
