package amalgam.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Large native blocks kept for reuse across merge jobs. A fresh block costs a page fault per 4 KiB page and the
 * kernel's zeroing (for a 1 GiB output tensor more than reading all its inputs); a reused one costs one memset.
 * Blocks come in power-of-two size classes from 1 MiB; at most {@code maxCachedBytes} are kept idle, the rest are
 * freed at once, so the pool never holds more than the engine's memory budget.
 */
public final class BlockPool implements AutoCloseable {
    static final long MIN_POOLED_BYTES = 1L << 20;

    private record Block(Arena owner, MemorySegment segment) {
    }

    private final long maxCachedBytes;
    private final Map<Long, Deque<Block>> idle = new HashMap<>();
    private final Map<Long, Block> owners = new HashMap<>();
    private long cachedBytes;

    public BlockPool(long maxCachedBytes) {
        this.maxCachedBytes = maxCachedBytes;
    }

    /** A zeroed block of at least {@code bytes} (rounded up to its size class), aligned to 64 bytes. */
    MemorySegment take(long bytes) {
        long size = sizeClass(bytes);
        Block block;
        synchronized (this) {
            Deque<Block> blocks = idle.get(size);
            block = blocks == null ? null : blocks.poll();
            if (block != null) {
                cachedBytes -= size;
            }
        }
        if (block == null) {
            Arena owner = Arena.ofShared();
            block = new Block(owner, owner.allocate(size, 64));
        } else {
            block.segment().fill((byte) 0);
        }
        synchronized (this) {
            owners.put(block.segment().address(), block);
        }
        return block.segment().asSlice(0, bytes);
    }

    /** Returns a block obtained from {@link #take}; it is kept for reuse or freed. */
    void give(MemorySegment slice) {
        Block release = null;
        synchronized (this) {
            Block block = owners.remove(slice.address());
            if (block == null) {
                throw new IllegalArgumentException("not a block of this pool");
            }
            long size = block.segment().byteSize();
            if (cachedBytes + size <= maxCachedBytes) {
                idle.computeIfAbsent(size, s -> new ArrayDeque<>()).push(block);
                cachedBytes += size;
            } else {
                release = block;
            }
        }
        if (release != null) {
            release.owner().close();
        }
    }

    static long sizeClass(long bytes) {
        long size = MIN_POOLED_BYTES;
        while (size < bytes) {
            size <<= 1;
        }
        return size;
    }

    @Override
    public synchronized void close() {
        idle.values().forEach(blocks -> blocks.forEach(block -> block.owner().close()));
        owners.values().forEach(block -> block.owner().close());
        idle.clear();
        owners.clear();
        cachedBytes = 0;
    }
}
