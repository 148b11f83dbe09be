package amalgam.cli;

import amalgam.merge.EngineOptions;

/** Engine options from the shared command-line flags (threads, memory budget, shard size). */
final class EngineSettings {
    private EngineSettings() {
    }

    /** {@code --threads}, or every core when not given; refuses less than 1. */
    static int threads(Integer threads) {
        int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (workers < 1) {
            throw new amalgam.UserInputException("--threads must be at least 1, got " + workers);
        }
        return workers;
    }

    static EngineOptions of(Integer threads, String memory, String shardSize, boolean progress) {
        return of(threads(threads), SizeOption.parse(memory, "--memory"), shardSize, progress);
    }

    /** An engine of {@code workers} threads and a budget of {@code memoryBytes}. */
    static EngineOptions of(int workers, long memoryBytes, String shardSize, boolean progress) {
        long shard = shardSize == null ? EngineOptions.DEFAULT_SHARD_BYTES : SizeOption.parse(shardSize, "--out-shard-size");
        return new EngineOptions(workers, memoryBytes, shard, progress);
    }
}
