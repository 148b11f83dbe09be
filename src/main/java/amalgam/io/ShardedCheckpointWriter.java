package amalgam.io;

import amalgam.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Collections;
import java.util.SequencedMap;

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
    private final SequencedMap<String, String> metadata;
    private final long totalSize;
    private int currentShard = -1;
    private int writtenInShard;
    private SafetensorsWriter current;
    private boolean committed;
    /** Null unless resumable: where durable points are recorded. */
    private ResumeJournal journal;
    private int resumedTensors;

    private ShardedCheckpointWriter(Path directory, List<List<TensorEntry>> shards, SequencedMap<String, String> metadata, long totalSize) {
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

    /**
     * A writer that records in {@code directory}'s {@link ResumeJournal} how far its shards are safely on disk, and
     * that starts where an earlier run with the same planned output (every shard's header) left off: complete
     * shards are kept, the shard in progress is kept up to its last durable point. {@link #resumedTensors()} says
     * how many tensors, in entry order, need not be written again. {@code directory} must be a folder the caller
     * owns (a staging directory): unfinished shards stay in it under hidden names.
     */
    public static ShardedCheckpointWriter resumable(Path directory, List<TensorEntry> entries, long maxShardBytes,
                                                    SequencedMap<String, String> metadata) {
        ShardedCheckpointWriter writer = create(directory, entries, maxShardBytes, metadata);
        String key = writer.key();
        ResumeJournal.Point point = ResumeJournal.resumePoint(directory, key);
        if (!writer.completeShardsPresent(point.shard())) {
            point = ResumeJournal.Point.START;
        }
        writer.journal = ResumeJournal.open(directory, key, !point.equals(ResumeJournal.Point.START));
        writer.currentShard = point.shard();
        if (point.shard() < writer.shards.size()) {
            writer.current = writer.openShard(point.shard(), point.tensors() - writer.firstTensor(point.shard()), point.bytes());
            writer.writtenInShard = writer.current.written();
            writer.resumedTensors = writer.firstTensor(point.shard()) + writer.writtenInShard;
        } else {
            writer.resumedTensors = entries.size();
        }
        return writer;
    }

    /** Tensors an earlier run already wrote durably (0 for a fresh start), in entry order. */
    public int resumedTensors() {
        return resumedTensors;
    }

    public static ShardedCheckpointWriter create(Path directory, List<TensorEntry> entries, long maxShardBytes,
                                                 SequencedMap<String, String> metadata) {
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
        return new ShardedCheckpointWriter(directory, shards, Collections.unmodifiableSequencedMap(new LinkedHashMap<>(metadata)), total);
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

    /** What is left to write: {@link #fileBytes()} less the shards (and the part of one) a resumed run kept. */
    public long bytesStillToWrite() {
        long bytes = fileBytes();
        for (int i = 0; i < Math.min(currentShard, shards.size()); i++) {
            bytes -= SafetensorsWriter.fileBytes(HeaderJson.encode(shards.get(i), metadata), shards.get(i));
        }
        if (current != null) {
            List<TensorEntry> shard = shards.get(currentShard);
            bytes -= SafetensorsWriter.fileBytes(HeaderJson.encode(shard, metadata), shard) - current.bytesStillToWrite();
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
        if (currentShard < shards.size()) {
            while (currentShard < shards.size() - 1 || current == null) {
                nextShard();
            }
            current.commit();
            recordDurable(new ResumeJournal.Point(firstTensor(shards.size()), shards.size(), 0));
        }
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
        if (journal != null) {
            recordDurable(new ResumeJournal.Point(firstTensor(currentShard), currentShard, 0));
            current = openShard(currentShard, 0, 0);
        } else {
            current = SafetensorsWriter.create(directory.resolve(shardNames.get(currentShard)), shards.get(currentShard), metadata);
        }
        writtenInShard = 0;
    }

    /** A resumable writer for shard {@code shard}, going on after {@code tensors} tensors ({@code bytes} bytes) if it can. */
    private SafetensorsWriter openShard(int shard, int tensors, long bytes) {
        int first = firstTensor(shard);
        return SafetensorsWriter.resumable(directory.resolve(shardNames.get(shard)), shards.get(shard), metadata, tensors, bytes,
                SafetensorsWriter.syncAheadBytes(),
                (done, forced) -> recordDurable(new ResumeJournal.Point(first + done, shard, forced)));
    }

    private void recordDurable(ResumeJournal.Point point) {
        if (journal != null) {
            journal.record(point);
        }
    }

    /** The index, in entry order, of the first tensor of {@code shard} (the entry count for {@code shards.size()}). */
    private int firstTensor(int shard) {
        int first = 0;
        for (int i = 0; i < shard; i++) {
            first += shards.get(i).size();
        }
        return first;
    }

    /** Whether every shard before {@code shard} is complete under its final name (with the planned size). */
    private boolean completeShardsPresent(int shard) {
        for (int i = 0; i < shard && i < shards.size(); i++) {
            Path file = directory.resolve(shardNames.get(i));
            long expected = HeaderJson.encode(shards.get(i), metadata).length + SafetensorsWriter.dataBytes(shards.get(i), shards.get(i).size());
            try {
                if (!java.nio.file.Files.isRegularFile(file) || java.nio.file.Files.size(file) != expected) {
                    return false;
                }
            } catch (java.io.IOException e) {
                return false;
            }
        }
        return true;
    }

    /** What identifies the planned output: every shard's name and header (tensors, dtypes, shapes, metadata). */
    private String key() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < shards.size(); i++) {
                sha.update(shardNames.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update(HeaderJson.encode(shards.get(i), metadata));
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (current != null && !committed) {
            current.close();
        }
        if (journal != null) {
            journal.close();
        }
    }
}
