package amalgam.merge;

/**
 * How the engine runs a plan.
 *
 * @param threads          worker threads computing jobs (output is identical for any value)
 * @param memoryBytes      budget for the working memory of jobs in flight (inputs in F32, scratch, results)
 * @param maxShardBytes    largest output shard; the output is one file when it fits
 * @param progress         draw a progress bar on stderr
 */
public record EngineOptions(int threads, long memoryBytes, long maxShardBytes, boolean progress) {
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    public EngineOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (memoryBytes <= 0 || maxShardBytes <= 0) {
            throw new IllegalArgumentException("memory and shard sizes must be positive");
        }
    }
}
