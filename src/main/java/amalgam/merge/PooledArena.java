package amalgam.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An arena for work that repeats with same-sized buffers (merge jobs, streaming passes): large allocations come from the engine's {@link BlockPool} and go back to
 * it on close; small ones from an ordinary shared arena. Segments are zeroed, as every arena's are.
 */
public final class PooledArena implements Arena {
    private final BlockPool pool;
    private final Arena small = Arena.ofShared();
    private final List<MemorySegment> blocks = new ArrayList<>();

    public PooledArena(BlockPool pool) {
        this.pool = pool;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < BlockPool.MIN_POOLED_BYTES || byteAlignment > 64) {
            return small.allocate(byteSize, byteAlignment);
        }
        MemorySegment block = pool.take(byteSize);
        synchronized (blocks) {
            blocks.add(block);
        }
        return block;
    }

    @Override
    public MemorySegment.Scope scope() {
        return small.scope();
    }

    @Override
    public void close() {
        small.close();
        synchronized (blocks) {
            blocks.forEach(pool::give);
            blocks.clear();
        }
    }
}
