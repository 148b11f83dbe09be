package amalgam.fusion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;

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

    public String toPrettyJson() {
        try {
            return JSON.writeValueAsString(entries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
