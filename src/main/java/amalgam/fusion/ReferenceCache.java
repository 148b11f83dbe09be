package amalgam.fusion;

import amalgam.fusion.taskpool.TaskMetrics;
import amalgam.io.AtomicFiles;
import amalgam.io.UserCache;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Results of reference evaluations (the pretrained and fine-tuned models of a pool, which do not change between
 * runs), one small JSON file per (model contents, task identity) under {@code reference/} of the cache folder:
 * {@code -Damalgam.cache}, else {@code AMALGAM_CACHE}, else {@code $XDG_CACHE_HOME/amalgam}, else {@code ~/.cache/amalgam}. A damaged or
 * unreadable entry is treated as absent; a cache that cannot be written is skipped.
 */
public final class ReferenceCache {
    /** Bumped when evaluation changes in a way that changes results. */
    private static final int EVALUATION_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;

    public ReferenceCache(Path directory) {
        this.directory = directory;
    }

    public static ReferenceCache standard() {
        return new ReferenceCache(UserCache.folder("reference"));
    }

    public Optional<TaskMetrics> find(String modelContents, String taskIdentity) {
        Path entry = entry(modelContents, taskIdentity);
        if (!Files.isRegularFile(entry)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(entry.toFile());
            if (!node.isObject() || (node.has("named") && !node.get("named").isObject())) {
                return Optional.empty();
            }
            // an image task's entry has no named metrics (and entries written before language tasks never do)
            java.util.SequencedMap<String, Double> named = new java.util.LinkedHashMap<>();
            for (var field : node.path("named").properties()) {
                if (!field.getValue().isNumber()) {
                    return Optional.empty();
                }
                named.put(field.getKey(), field.getValue().doubleValue());
            }
            TaskMetrics metrics = new TaskMetrics(number(node, "accuracy"), number(node, "loss"), named);
            return metrics.hasAccuracy() || metrics.hasLoss() || !named.isEmpty() ? Optional.of(metrics) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static double number(JsonNode node, String field) {
        return node.path(field).isNumber() ? node.get(field).doubleValue() : Double.NaN;
    }

    public void put(String modelContents, String taskIdentity, TaskMetrics metrics) {
        try {
            Files.createDirectories(directory);
            // a metric a task has not (NaN) is left out: JSON has no NaN
            java.util.Map<String, Object> entry = new java.util.LinkedHashMap<>();
            if (metrics.hasAccuracy()) {
                entry.put("accuracy", metrics.accuracy());
            }
            if (metrics.hasLoss()) {
                entry.put("loss", metrics.loss());
            }
            entry.put("named", metrics.named());
            entry.put("task", taskIdentity);
            entry.put("model", modelContents);
            String json = JSON.writeValueAsString(entry);
            AtomicFiles.writeString(entry(modelContents, taskIdentity), json + "\n");
        } catch (IOException | RuntimeException e) {
            // a read-only or full cache folder only costs a re-evaluation next time
        }
    }

    private Path entry(String modelContents, String taskIdentity) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((EVALUATION_VERSION + "\n" + modelContents + "\n" + taskIdentity).getBytes(StandardCharsets.UTF_8));
            return directory.resolve(HexFormat.of().formatHex(digest.digest()) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
