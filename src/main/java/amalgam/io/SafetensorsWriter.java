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
    private final DurableListener listener;
    private final boolean resumable;
    private final long fileBytes;
    private long written;
    private int next;
    private boolean committed;
    private long unsynced;
    private Future<?> syncing = CompletableFuture.completedFuture(null);

    /** Opens the temporary file for writing (tests put a failing channel in its place). */
    @FunctionalInterface
    interface ChannelOpener {
        FileChannel open(Path file) throws IOException;
    }

    private SafetensorsWriter(Path target, Path temp, FileChannel channel, List<TensorEntry> entries, long syncAheadBytes,
                              DurableListener listener, boolean resumable, long fileBytes) {
        this.syncAheadBytes = syncAheadBytes;
        this.fileBytes = fileBytes;
        this.listener = listener;
        this.resumable = resumable;
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
        return create(target, entries, metadata, syncAheadBytes, file -> FileChannel.open(file, StandardOpenOption.WRITE));
    }

    static SafetensorsWriter create(Path target, List<TensorEntry> entries, SequencedMap<String, String> metadata,
                                    long syncAheadBytes, ChannelOpener opener) {
        byte[] header = HeaderJson.encode(entries, metadata);
        long fileBytes = fileBytes(header, entries);
        Path absolute = target.toAbsolutePath();
        Path temp = null;
        try {
            Files.createDirectories(absolute.getParent());
            temp = AtomicFiles.temporarySibling(absolute);
            FileChannel channel = opener.open(temp);
            SafetensorsWriter writer = new SafetensorsWriter(absolute, temp, channel, List.copyOf(entries), syncAheadBytes,
                    (tensors, bytes) -> { }, false, fileBytes);
            try {
                writer.writeFully(ByteBuffer.wrap(header));
            } catch (IOException e) {
                writer.close();
                throw e;
            }
            return writer;
        } catch (IOException e) {
            deleteQuietly(temp);
            throw StorageFailures.writing(e, absolute, fileBytes, "cannot create " + target);
        }
    }

    /** The size of the file for {@code entries}, header included. */
    static long fileBytes(byte[] header, List<TensorEntry> entries) {
        return header.length + dataBytes(entries, entries.size());
    }

    /** Tensors written so far (including those kept from an earlier run). */
    int written() {
        return next;
    }

    /**
     * Bytes between background forces: {@value #DEFAULT_SYNC_AHEAD_BYTES} unless the {@code amalgam.syncAheadBytes}
     * system property says otherwise (tests set it low to make resumable points within small files).
     */
    static long syncAheadBytes() {
        return Long.getLong("amalgam.syncAheadBytes", DEFAULT_SYNC_AHEAD_BYTES);
    }

    /** Told, on the sync thread, that the first {@code tensors} tensors ({@code bytes} of the file) are on disk. */
    @FunctionalInterface
    interface DurableListener {
        void durable(int tensors, long bytes);
    }

    /**
     * A writer whose unfinished file survives a killed process under a fixed hidden name beside the target
     * ({@code .NAME.partial}), so a later run can go on where the last durable point left it: with
     * {@code startTensors > 0} the existing partial file is kept up to {@code startBytes} (after checking that its
     * header is the one planned and that the offset is where that tensor ends), else it is started anew.
     * {@code listener} hears of every background force that completes. Closing without commit keeps the file.
     */
    static SafetensorsWriter resumable(Path target, List<TensorEntry> entries, SequencedMap<String, String> metadata,
                                       int startTensors, long startBytes, long syncAheadBytes, DurableListener listener) {
        byte[] header = HeaderJson.encode(entries, metadata);
        Path absolute = target.toAbsolutePath();
        Path partial = absolute.resolveSibling("." + absolute.getFileName() + ".partial");
        try {
            boolean resume = startTensors > 0 && startTensors <= entries.size()
                    && startBytes == header.length + dataBytes(entries, startTensors) && holdsPrefix(partial, header, startBytes);
            FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            SafetensorsWriter writer = new SafetensorsWriter(absolute, partial, channel, List.copyOf(entries), syncAheadBytes,
                    listener, true, fileBytes(header, entries));
            if (resume) {
                channel.truncate(startBytes);
                channel.position(startBytes);
                writer.next = startTensors;
                writer.written = startBytes;
            } else {
                channel.truncate(0);
                writer.writeFully(ByteBuffer.wrap(header));
            }
            return writer;
        } catch (IOException e) {
            throw StorageFailures.writing(e, absolute, fileBytes(header, entries), "cannot create " + target);
        }
    }

    /** The tensors' data bytes before entry {@code count}. */
    static long dataBytes(List<TensorEntry> entries, int count) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += entries.get(i).byteSize();
        }
        return bytes;
    }

    /** Whether {@code file} has at least {@code length} bytes and starts with {@code header}. */
    private static boolean holdsPrefix(Path file, byte[] header, long length) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) < length) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer start = ByteBuffer.allocate(header.length);
            while (start.hasRemaining() && channel.read(start) > 0) {
                // read the whole header
            }
            return !start.hasRemaining() && java.util.Arrays.equals(start.array(), header);
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
            throw StorageFailures.writing(e, target, fileBytes - written, "cannot write tensor '" + name + "' to " + target);
        }
        next++;
        unsynced += tensor.data().byteSize();
        if (unsynced >= syncAheadBytes && syncing.isDone()) {
            unsynced = 0;
            int tensors = next;
            long bytes = position();
            // a failure here shows again (and is reported) when commit forces the file
            syncing = SYNCER.submit(() -> {
                try {
                    channel.force(false);
                    listener.durable(tensors, bytes);
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
            // a file system that allocates late (NFS, delayed allocation) reports a full disk only when forced
            throw StorageFailures.writing(e, target, fileBytes, "cannot commit " + target);
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
            if (!resumable) {
                deleteQuietly(temp);
            }
        }
    }

    private long position() {
        try {
            return channel.position();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
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
            written += channel.write(buffer);
        }
    }

    /** Bytes of this file not yet written (all of it but what a resumed writer kept). */
    long bytesStillToWrite() {
        return fileBytes - written;
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
