package amalgam.nn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A bump allocator over large off-heap chunks of one shared arena (shared so that the parallel helper's workers may
 * write into the buffers). {@link #reset()} makes all memory reusable without freeing it, so a loop of forwards or
 * training steps allocates only during its first iteration. Buffers are 64-byte aligned.
 */
final class Workspace implements AutoCloseable {
    private static final long CHUNK_BYTES = 64L << 20;
    private static final long ALIGNMENT = 64;

    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> chunks = new ArrayList<>();
    private int chunk;      // index of the chunk being filled
    private long offset;    // first free byte in that chunk
    private long reserved;  // bytes handed out since the last reset

    /** A buffer of {@code bytes} bytes with unspecified contents. */
    MemorySegment allocate(long bytes) {
        long size = Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        while (chunk < chunks.size()) {
            MemorySegment current = chunks.get(chunk);
            if (offset + size <= current.byteSize()) {
                MemorySegment slice = current.asSlice(offset, bytes);
                offset += size;
                reserved += size;
                return slice;
            }
            chunk++;
            offset = 0;
        }
        MemorySegment fresh = arena.allocate(Math.max(CHUNK_BYTES, size), ALIGNMENT);
        chunks.add(fresh);
        chunk = chunks.size() - 1;
        offset = size;
        reserved += size;
        return fresh.asSlice(0, bytes);
    }

    /** A zero-filled buffer. */
    MemorySegment allocateZeroed(long bytes) {
        return allocate(bytes).fill((byte) 0);
    }

    /** Makes every buffer handed out so far reusable (their contents become garbage). */
    void reset() {
        chunk = 0;
        offset = 0;
        reserved = 0;
    }

    /** Bytes handed out since the last reset. */
    long reservedBytes() {
        return reserved;
    }

    /** Bytes held from the operating system. */
    long capacityBytes() {
        return chunks.stream().mapToLong(MemorySegment::byteSize).sum();
    }

    @Override
    public void close() {
        arena.close();
    }
}
