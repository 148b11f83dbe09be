package amalgam.merge;

import amalgam.io.FileDigests;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * What produced a fused model: method, resolved parameters, inputs (paths and the SHA-256 of each file), seed and
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
     * @param name  its name in the pool or config
     * @param path  where it was read from
     * @param files its weight files with their sizes and SHA-256 digests (the hub's object ids)
     */
    public record Input(String name, String path, List<FileDigests.FileDigest> files) {
        public Input {
            files = List.copyOf(files);
        }
    }

    /**
     * The inputs as the provenance records them: each source under its name, with every weight file hashed (all
     * files of all models share the workers' threads, so one-file models are hashed in parallel),
     * with a progress bar in bytes when {@code progress} is wanted.
     */
    public static List<Input> describe(List<String> names, List<? extends CheckpointModelSource> sources, FileDigests digests,
                                       amalgam.parallel.Workers workers, boolean progress) {
        List<Path> files = sources.stream().flatMap(source -> source.checkpoint().files().stream()).toList();
        long total = 0;
        for (Path file : files) {
            total += sizeOf(file);
        }
        List<FileDigests.FileDigest> hashed;
        try (Progress bar = Progress.startBytes("hashing inputs", total, progress)) {
            hashed = digests.of(files, workers, bar::stepBy);
        }
        List<Input> inputs = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < sources.size(); i++) {
            CheckpointModelSource source = sources.get(i);
            int count = source.checkpoint().files().size();
            inputs.add(new Input(names.get(i), source.checkpoint().displayName(), hashed.subList(next, next + count)));
            next += count;
        }
        return inputs;
    }

    private static long sizeOf(Path file) {
        try {
            return java.nio.file.Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
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
    public SequencedMap<String, String> asMetadata() {
        SequencedMap<String, String> metadata = new LinkedHashMap<>();
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
