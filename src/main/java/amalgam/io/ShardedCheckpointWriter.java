package amalgam.io;

import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one model into a directory: {@code model.safetensors} when everything fits in one shard, otherwise
 * {@code model-0000i-of-0000N.safetensors} filled greedily in entry order (a new shard starts when the next
 * tensor would push a non-empty shard past the limit) plus {@code model.safetensors.index.json}. Tensors are
 * written in entry order; each shard is committed when the next one starts.
 */
public final class ShardedCheckpointWriter implements AutoCloseable {
    private final Path directory;
    private final List<List<TensorEntry>> shards;
    private final List<String> shardNames;
    private final Map<String, String> metadata;
    private final long totalSize;
    private int currentShard = -1;
    private int writtenInShard;
    private SafetensorsWriter current;
    private boolean committed;

    private ShardedCheckpointWriter(Path directory, List<List<TensorEntry>> shards, Map<String, String> metadata, long totalSize) {
        this.directory = directory;
        this.shards = shards;
        this.metadata = metadata;
        this.totalSize = totalSize;
        this.shardNames = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            shardNames.add(shards.size() == 1 ? "model.safetensors"
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()));
        }
    }

    public static ShardedCheckpointWriter create(Path directory, List<TensorEntry> entries, long maxShardBytes,
                                                 Map<String, String> metadata) {
        List<List<TensorEntry>> shards = new ArrayList<>();
        List<TensorEntry> shard = new ArrayList<>();
        long shardBytes = 0;
        long total = 0;
        for (TensorEntry entry : entries) {
            long bytes = entry.byteSize();
            if (!shard.isEmpty() && shardBytes + bytes > maxShardBytes) {
                shards.add(shard);
                shard = new ArrayList<>();
                shardBytes = 0;
            }
            shard.add(entry);
            shardBytes += bytes;
            total += bytes;
        }
        shards.add(shard);
        return new ShardedCheckpointWriter(directory, shards, Map.copyOf(metadata), total);
    }

    /** The bytes of every file this writer produces (shards with their headers, about the index), known before writing. */
    public long fileBytes() {
        long bytes = 0;
        for (List<TensorEntry> shard : shards) {
            bytes += SafetensorsWriter.fileBytes(HeaderJson.encode(shard, metadata), shard);
        }
        if (shards.size() > 1) {
            // the index: one line per tensor, its name and its shard's name, and a few bytes of JSON around them
            for (List<TensorEntry> shard : shards) {
                for (TensorEntry entry : shard) {
                    bytes += entry.name().length() + 48;
                }
            }
        }
        return bytes;
    }

    /** The file names this writer produces, in order. */
    public List<String> shardNames() {
        return List.copyOf(shardNames);
    }

    public void write(String name, Tensor tensor) {
        while (current == null || writtenInShard == shards.get(currentShard).size()) {
            nextShard();
        }
        current.write(name, tensor);
        writtenInShard++;
    }

    public void commit() {
        while (currentShard < shards.size() - 1 || current == null) {
            nextShard();
        }
        current.commit();
        if (shards.size() > 1) {
            Map<String, String> weightMap = new LinkedHashMap<>();
            for (int i = 0; i < shards.size(); i++) {
                for (TensorEntry entry : shards.get(i)) {
                    weightMap.put(entry.name(), shardNames.get(i));
                }
            }
            new ShardIndex(weightMap, totalSize).write(directory.resolve(ShardIndex.FILE_NAME));
        }
        committed = true;
    }

    private void nextShard() {
        if (current != null) {
            current.commit();
        }
        currentShard++;
        if (currentShard >= shards.size()) {
            throw new IllegalStateException("more tensors written than declared in " + directory);
        }
        current = SafetensorsWriter.create(directory.resolve(shardNames.get(currentShard)), shards.get(currentShard), metadata);
        writtenInShard = 0;
    }

    @Override
    public void close() {
        if (current != null && !committed) {
            current.close();
        }
    }
}
