package amalgam.merge;

import amalgam.parallel.Workers;

/**
 * How the engine runs a plan; closing it stops the command's worker threads.
 *
 * @param workers          the command's worker threads (output is identical for any count): the engine's jobs,
 *                         input hashing and the plans' statistics passes share them
 * @param memoryBytes      budget for the working memory of jobs in flight (inputs in F32, scratch, results)
 * @param maxShardBytes    largest output shard; the output is one file when it fits
 * @param progress         draw a progress bar on stderr
 */
public record EngineOptions(Workers workers, long memoryBytes, long maxShardBytes, boolean progress) implements AutoCloseable {
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    public EngineOptions {
        if (memoryBytes <= 0 || maxShardBytes <= 0) {
            throw new IllegalArgumentException("memory and shard sizes must be positive");
        }
    }

    /** Options with worker threads of their own ({@code threads} of them). */
    public EngineOptions(int threads, long memoryBytes, long maxShardBytes, boolean progress) {
        this(new Workers(threads), memoryBytes, maxShardBytes, progress);
    }

    /** How many worker threads there are (--threads). */
    public int threads() {
        return workers.threads();
    }

    @Override
    public void close() {
        workers.close();
    }
}
