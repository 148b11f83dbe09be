package amalgam.linalg;

import java.util.function.Supplier;

/**
 * How many threads OpenBLAS uses, given per piece of work instead of set for the process. OpenBLAS (pthreads build)
 * has one process-wide count, so the first of overlapping pieces of work decides it and later ones run under it
 * until all are done; then the count returns to one thread, the right count whenever the engine's own workers already
 * occupy the cores. No result depends on the count (products are computed from the same blocks in the same order for
 * any count), only the speed does.
 */
public final class BlasThreads implements AutoCloseable {
    /** Threads when no work asked for more. */
    static final int DEFAULT = 1;
    private static int holders;

    private boolean closed;

    private BlasThreads(int threads) {
        enter(threads);
    }

    /** A scope in which BLAS may use {@code threads} threads; close it when the work is done. */
    static BlasThreads open(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return new BlasThreads(threads);
    }

    static <T> T with(int threads, Supplier<T> work) {
        try (BlasThreads scope = open(threads)) {
            return work.get();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            exit();
        }
    }

    private static synchronized void enter(int threads) {
        if (holders++ == 0 && threads != DEFAULT) {
            OpenBlas.setThreads(threads);
        }
    }

    private static synchronized void exit() {
        if (--holders == 0 && OpenBlas.threads() != DEFAULT) {
            OpenBlas.setThreads(DEFAULT);
        }
    }
}
