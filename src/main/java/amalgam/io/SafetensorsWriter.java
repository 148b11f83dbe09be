package amalgam.io;

import amalgam.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streams one safetensors file: the header is written first (all entries are declared up front), then each
 * tensor's bytes in declaration order. The file is built under a temporary name next to the target and appears
 * at the target only on {@link #commit()} (forced to disk, then renamed); closing without commit removes it.
 * Every {@link #DEFAULT_SYNC_AHEAD_BYTES} written, a background thread starts forcing what is already written, so the disk
 * works while the next tensors are computed and the final force has at most that much left to flush.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final long CHUNK = 64L << 20;
    static final long DEFAULT_SYNC_AHEAD_BYTES = 256L << 20;
    private static final ExecutorService SYNCER = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "amalgam-sync");
        thread.setDaemon(true);
        return thread;
    });

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final List<TensorEntry> entries;
    private final long syncAheadBytes;
    private int next;
    private boolean committed;
    private long unsynced;
    private Future<?> syncing = CompletableFuture.completedFuture(null);

    private SafetensorsWriter(Path target, Path temp, FileChannel channel, List<TensorEntry> entries, long syncAheadBytes) {
        this.syncAheadBytes = syncAheadBytes;
        this.target = target;
        this.temp = temp;
        this.channel = channel;
        this.entries = entries;
    }

    /** No {@code __metadata__}. */
    public static final SequencedMap<String, String> NO_METADATA = java.util.Collections.emptySortedMap();
    /** The {@code __metadata__} Hugging Face writes: {@code {"format": "pt"}}. */
    public static final SequencedMap<String, String> PT_FORMAT = java.util.Collections.unmodifiableSequencedMap(
            new java.util.LinkedHashMap<>(java.util.Map.of("format", "pt")));

    public static SafetensorsWriter create(Path target, List<TensorEntry> entries, SequencedMap<String, String> metadata) {
        return create(target, entries, metadata, DEFAULT_SYNC_AHEAD_BYTES);
    }

    static SafetensorsWriter create(Path target, List<TensorEntry> entries, SequencedMap<String, String> metadata, long syncAheadBytes) {
        byte[] header = HeaderJson.encode(entries, metadata);
        Path absolute = target.toAbsolutePath();
        Path temp = null;
        try {
            Files.createDirectories(absolute.getParent());
            temp = AtomicFiles.temporarySibling(absolute);
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
            SafetensorsWriter writer = new SafetensorsWriter(absolute, temp, channel, List.copyOf(entries), syncAheadBytes);
            writer.writeFully(ByteBuffer.wrap(header));
            return writer;
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("cannot create " + target, e);
        }
    }

    /** Writes the next declared tensor; its name, dtype and shape must match the declaration. */
    public void write(String name, Tensor tensor) {
        if (committed || next >= entries.size()) {
            throw new IllegalStateException("no more tensors declared for " + target + " (got '" + name + "')");
        }
        TensorEntry expected = entries.get(next);
        if (!expected.name().equals(name) || expected.dtype() != tensor.dtype() || !expected.shape().equals(tensor.shape())) {
            throw new IllegalStateException("expected tensor '" + expected.name() + "' " + expected.dtype() + " "
                    + expected.shape() + " next in " + target + ", got '" + name + "' " + tensor.dtype() + " " + tensor.shape());
        }
        try {
            writeSegment(tensor.data());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tensor '" + name + "' to " + target, e);
        }
        next++;
        unsynced += tensor.data().byteSize();
        if (unsynced >= syncAheadBytes && syncing.isDone()) {
            unsynced = 0;
            // a failure here shows again (and is reported) when commit forces the file
            syncing = SYNCER.submit(() -> {
                try {
                    channel.force(false);
                } catch (IOException | RuntimeException ignored) {
                    // reported by commit
                }
            });
        }
    }

    /** Forces the file to disk and renames it to the target. */
    public void commit() {
        if (next != entries.size()) {
            throw new IllegalStateException(target + ": " + (entries.size() - next) + " declared tensors were not written");
        }
        try {
            awaitSync();
            channel.force(true);
            channel.close();
            AtomicFiles.publish(temp, target);
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit " + target, e);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            awaitSync();
            try {
                channel.close();
            } catch (IOException ignored) {
                // the temporary file is removed next; nothing of it is kept
            }
            deleteQuietly(temp);
        }
    }

    private void awaitSync() {
        try {
            syncing.get();
        } catch (ExecutionException ignored) {
            // the background force catches its own failures
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeSegment(MemorySegment data) throws IOException {
        for (long offset = 0; offset < data.byteSize(); offset += CHUNK) {
            MemorySegment chunk = data.asSlice(offset, Math.min(CHUNK, data.byteSize() - offset));
            writeFully(asBuffer(chunk));
        }
    }

    /** A buffer view of the chunk; heap segments of non-byte arrays have none, so those are copied. */
    private static ByteBuffer asBuffer(MemorySegment chunk) {
        if (chunk.isNative() || chunk.heapBase().map(base -> base instanceof byte[]).orElse(false)) {
            return chunk.asByteBuffer();
        }
        byte[] copy = new byte[Math.toIntExact(chunk.byteSize())];
        MemorySegment.copy(chunk, 0, MemorySegment.ofArray(copy), 0, copy.length);
        return ByteBuffer.wrap(copy);
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort: a leftover temporary file is hidden and never mistaken for output
            }
        }
    }
}
