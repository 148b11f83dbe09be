package amalgam.nn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A bump allocator over large off-heap chunks of one shared arena (shared so that the parallel helper's workers may
 * write into the buffers). {@link #reset()} makes all memory reusable without freeing it, so a loop of forwards or
 * training steps allocates only during its first iteration. Buffers are 64-byte aligned. Chunks grow geometrically
 * from 1 MiB to 64 MiB: the arena zeroes what it allocates, so a small graph (one evaluation batch of a small model,
 * made once per task and model) must not pay for 64 MiB of page faults.
 */
final class Workspace implements AutoCloseable {
    private static final long FIRST_CHUNK_BYTES = 1L << 20;
    private static final long MAX_CHUNK_BYTES = 64L << 20;
    private static final long ALIGNMENT = 64;

    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> chunks = new ArrayList<>();
    private int chunk;      // index of the chunk being filled
    private long offset;    // first free byte in that chunk
    private long reserved;  // bytes handed out since the last reset

    /** A buffer of {@code bytes} bytes with unspecified contents. */
    MemorySegment allocate(long bytes) {
        long size = aligned(bytes);
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
        long next = chunks.isEmpty() ? FIRST_CHUNK_BYTES : Math.min(MAX_CHUNK_BYTES, 2 * chunks.getLast().byteSize());
        MemorySegment fresh = arena.allocate(Math.max(next, size), ALIGNMENT);
        chunks.add(fresh);
        chunk = chunks.size() - 1;
        offset = size;
        reserved += size;
        return fresh.asSlice(0, bytes);
    }

    /** A position of the allocator, to {@link #keepSince} later. */
    record Mark(int chunk, long offset, long reserved) {
    }

    Mark mark() {
        return new Mark(chunk, offset, reserved);
    }

    /**
     * The position where {@code segment} starts when it is the latest buffer handed out (so that {@link #keepSince}
     * may reuse its memory too), else the current position.
     */
    Mark markBefore(MemorySegment segment) {
        long size = aligned(segment.byteSize());
        if (chunk < chunks.size() && offset >= size && segment.address() == chunks.get(chunk).address() + offset - size) {
            return new Mark(chunk, offset - size, reserved - size);
        }
        return mark();
    }

    private static long aligned(long bytes) {
        return Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
    }

    /**
     * Releases every buffer handed out since {@code mark} except {@code result}, which is moved to the first free
     * position after the mark (a segment not allocated since the mark is returned as it is). Later buffers reuse the
     * released memory.
     */
    MemorySegment keepSince(Mark mark, MemorySegment result) {
        boolean inside = allocatedSince(mark, result);
        chunk = mark.chunk();
        offset = mark.offset();
        reserved = mark.reserved();
        if (!inside) {
            return result;
        }
        MemorySegment target = allocate(result.byteSize());
        if (target.address() != result.address()) {
            MemorySegment.copy(result, 0, target, 0, result.byteSize()); // copies as if through a temporary: overlap is fine
        }
        return target;
    }

    private boolean allocatedSince(Mark mark, MemorySegment segment) {
        for (int c = mark.chunk(); c <= chunk && c < chunks.size(); c++) {
            MemorySegment current = chunks.get(c);
            long start = current.address() + (c == mark.chunk() ? mark.offset() : 0);
            long end = current.address() + (c == chunk ? offset : current.byteSize());
            if (segment.address() >= start && segment.address() < end) {
                return true;
            }
        }
        return false;
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
