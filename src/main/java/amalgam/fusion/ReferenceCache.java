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
            if (!node.path("accuracy").isNumber() || !node.path("loss").isNumber()) {
                return Optional.empty();
            }
            return Optional.of(new TaskMetrics(node.get("accuracy").doubleValue(), node.get("loss").doubleValue()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void put(String modelContents, String taskIdentity, TaskMetrics metrics) {
        try {
            Files.createDirectories(directory);
            String json = JSON.writeValueAsString(java.util.Map.of("accuracy", metrics.accuracy(), "loss", metrics.loss(),
                    "task", taskIdentity, "model", modelContents));
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
