package amalgam.merge;

/**
 * Bytes that running merge jobs may hold at once. A request larger than the whole budget is clamped to it, so a
 * single huge tensor still runs (alone) instead of deadlocking.
 */
final class MemoryBudget {
    private final long capacity;
    private long available;

    MemoryBudget(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("memory budget must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.available = capacity;
    }

    /**
     * Waits up to {@code timeoutMillis} for the bytes; returns the amount reserved (to pass to release), or -1 if
     * they did not become available in time (so the caller can check whether it should still wait).
     */
    synchronized long tryAcquire(long bytes, long timeoutMillis) throws InterruptedException {
        long reserved = Math.min(Math.max(bytes, 0), capacity);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (available < reserved) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return -1;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        available -= reserved;
        return reserved;
    }

    synchronized void release(long reserved) {
        available += reserved;
        notifyAll();
    }
}
