package amalgam.io;

import amalgam.UserInputException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code model.safetensors.index.json}: which shard file holds each tensor, and the total byte size. Shard names
 * must be plain file names inside the checkpoint's directory: a path that could escape it is refused.
 *
 * @param weightMap tensor name -> shard file name, sorted by tensor name
 * @param totalSize {@code metadata.total_size}, or -1 when absent
 */
public record ShardIndex(Map<String, String> weightMap, long totalSize) {
    public static final String FILE_NAME = "model.safetensors.index.json";
    private static final long MAX_INDEX_BYTES = 256L << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Reads and validates an index file. */
    public static ShardIndex read(Path indexFile) {
        String name = "'" + indexFile + "'";
        byte[] bytes;
        try {
            long size = Files.size(indexFile);
            if (size > MAX_INDEX_BYTES) {
                throw new UserInputException(name + ": index of " + size + " bytes is larger than " + MAX_INDEX_BYTES);
            }
            bytes = Files.readAllBytes(indexFile);
        } catch (IOException e) {
            throw new UserInputException("cannot read shard index " + name + ": " + e.getMessage(), e);
        }
        JsonNode root = StrictJson.parse(bytes, name);
        if (!root.isObject() || !root.path("weight_map").isObject()) {
            throw new UserInputException(name + ": shard index needs a 'weight_map' object");
        }
        Map<String, String> weightMap = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("weight_map").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isTextual()) {
                throw new UserInputException(name + ": weight_map entry of '" + entry.getKey() + "' is not a file name string");
            }
            weightMap.put(entry.getKey(), checkShardName(entry.getValue().textValue(), entry.getKey(), name));
        }
        if (weightMap.isEmpty()) {
            throw new UserInputException(name + ": weight_map is empty");
        }
        JsonNode total = root.path("metadata").path("total_size");
        return new ShardIndex(weightMap, total.canConvertToLong() ? total.longValue() : -1);
    }

    /** The shard files in first-use order of the sorted tensor names. */
    public List<String> shardFiles() {
        return weightMap.values().stream().distinct().toList();
    }

    /** Writes the index (indent 2, weight_map sorted by tensor name) atomically. */
    public void write(Path indexFile) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("total_size", totalSize);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("metadata", metadata);
        root.put("weight_map", new TreeMap<>(weightMap));
        try {
            AtomicFiles.writeString(indexFile, JSON.writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String checkShardName(String shard, String tensor, String index) {
        boolean plain = !shard.isEmpty() && !shard.equals(".") && !shard.equals("..") && shard.indexOf('/') < 0
                && shard.indexOf('\\') < 0 && shard.indexOf('\0') < 0 && !Path.of(shard).isAbsolute();
        if (!plain) {
            throw new UserInputException(index + ": shard '" + shard + "' of tensor '" + tensor
                    + "' is not a plain file name in the checkpoint's directory (path escapes its directory)");
        }
        return shard;
    }
}
