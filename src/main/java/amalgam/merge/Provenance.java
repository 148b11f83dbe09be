package amalgam.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What produced a fused model: method, resolved parameters, inputs (paths and content fingerprints), seed and
 * the software and machine. Stored as safetensors {@code __metadata__} (string values) and in the model card.
 *
 * @param method     method name in its dialect
 * @param dialect    "fusionbench" or "mergekit"
 * @param parameters resolved parameters
 * @param inputs     one entry per input model
 * @param seed       the seed of randomized methods
 * @param software   amalgam version, Java version, OS/arch, BLAS backend
 */
public record Provenance(String method, String dialect, Map<String, Object> parameters, List<Input> inputs, long seed,
                         Map<String, String> software) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An input model.
     *
     * @param name        its name in the pool or config
     * @param path        where it was read from
     * @param fingerprint SHA-256 over its safetensors headers and file sizes (identifies names, dtypes, shapes,
     *                    layout and size; see README for why it is not a full content hash)
     */
    public record Input(String name, String path, String fingerprint) {
    }

    public static Map<String, String> software(String amalgamVersion, String backend) {
        Map<String, String> software = new LinkedHashMap<>();
        software.put("amalgam", amalgamVersion);
        software.put("java", Runtime.version().toString());
        software.put("os", System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        software.put("backend", backend);
        return software;
    }

    /** The safetensors {@code __metadata__} entries (format=pt as Hugging Face writes, then amalgam.*). */
    public Map<String, String> asMetadata() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("amalgam.dialect", dialect);
        metadata.put("amalgam.method", method);
        metadata.put("amalgam.parameters", json(parameters));
        metadata.put("amalgam.inputs", json(inputs));
        metadata.put("amalgam.seed", Long.toString(seed));
        metadata.put("amalgam.software", json(software));
        return metadata;
    }

    public String toJson() {
        return json(this);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
