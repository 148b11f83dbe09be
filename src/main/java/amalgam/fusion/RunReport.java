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

    private final Map<String, Object> entries = new LinkedHashMap<>();

    public void putModelInfo(long trainableParameters, long allParameters) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("trainable_params", trainableParameters);
        info.put("all_params", allParameters);
        info.put("trainable_percentage", allParameters == 0 ? 0.0 : (double) trainableParameters / allParameters);
        entries.put("model_info", info);
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
