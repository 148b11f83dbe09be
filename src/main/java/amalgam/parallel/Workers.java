package amalgam.parallel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A command's worker threads: one pool of {@code --threads} threads shared by everything a run does in parallel
 * outside model evaluation — hashing input files, the plans' statistics passes, the merge engine's jobs — which run
 * one after another, so the pool is never oversubscribed. Created by the command and closed when it ends (no global
 * instance). Evaluation and training use lanes of their own: each of their jobs must stay on one thread.
 */
public final class Workers implements AutoCloseable {
    private final int threads;
    private final ExecutorService executor;
    private final Parallel parallel;

    public Workers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.executor = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "amalgam-worker");
            thread.setDaemon(true);
            return thread;
        });
        this.parallel = new Parallel(this);
    }

    public int threads() {
        return threads;
    }

    /** The pool, for independent tasks (a merge's tensor jobs, files to hash). */
    public ExecutorService executor() {
        return executor;
    }

    /** The parallel helper over these threads (index ranges in fixed blocks). */
    public Parallel parallel() {
        return parallel;
    }

    @Override
    public void close() {
        PoolShutdown.stopAndAwait(executor);
    }
}
