package amalgam.parallel;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one parallel helper, of the neural engine and of the merge plans' statistics passes (given to a plan through
 * its fusion context): worker threads (the caller's thread takes part too) running index ranges. Work is cut into blocks of a fixed {@code grain} that does not depend on the thread count, and
 * reductions combine per-block partial sums in block order, so every result is bit-identical for 1 or N threads.
 * Matrix products do not go through here: BLAS has its own threads.
 *
 * <p>Created by the caller (e.g. once per engine) and closed when done; there is no global instance.
 */
public final class Parallel implements AutoCloseable {
    /** Body of a parallel loop over the half-open index range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(long start, long end);
    }

    /** Body of a parallel reduction: the sum over [start, end). */
    @FunctionalInterface
    public interface RangeSum {
        double sum(long start, long end);
    }

    /** Runs everything on the caller's thread (it holds no threads, so sharing one instance is harmless). */
    public static final Parallel CALLING_THREAD = new Parallel(1);

    private final int threads;
    private final ExecutorService workers; // runs the helpers; null when single-threaded
    private final boolean ownsWorkers;

    /** A helper using {@code threads} threads in all (the calling thread included), with threads of its own. */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, runnable -> {
            Thread thread = new Thread(runnable, "amalgam-nn-worker");
            thread.setDaemon(true);
            return thread;
        });
        this.ownsWorkers = true;
    }

    /**
     * A helper whose helpers run on the run's shared {@link Workers} ({@code workers.threads()} threads in all, the
     * caller included). Safe to use from one of those threads: a caller never waits for a helper that has not
     * started (it takes over its blocks), so nested use cannot deadlock.
     */
    Parallel(Workers shared) {
        this.threads = shared.threads();
        this.workers = threads == 1 ? null : shared.executor();
        this.ownsWorkers = false;
    }

    /** A helper sized to the machine's cores. */
    public static Parallel ofCores() {
        return new Parallel(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over [0, count) in blocks of {@code grain} indices (the last block may be shorter). */
    public void forRange(long count, long grain, RangeBody body) {
        if (count <= 0) {
            return;
        }
        long blockSize = Math.max(1, grain);
        long blocks = (count + blockSize - 1) / blockSize;
        if (workers == null || blocks == 1) {
            body.run(0, count);
            return;
        }
        runBlocks(blocks, block -> {
            long start = block * blockSize;
            body.run(start, Math.min(count, start + blockSize));
        });
    }

    /** The sum of {@code body} over blocks of {@code grain} indices of [0, count), added in block order. */
    public double sum(long count, long grain, RangeSum body) {
        if (count <= 0) {
            return 0;
        }
        long blockSize = Math.max(1, grain);
        int blocks = Math.toIntExact((count + blockSize - 1) / blockSize);
        double[] partial = new double[blocks];
        if (workers == null || blocks == 1) {
            for (int block = 0; block < blocks; block++) {
                long start = block * blockSize;
                partial[block] = body.sum(start, Math.min(count, start + blockSize));
            }
        } else {
            runBlocks(blocks, block -> {
                long start = block * blockSize;
                partial[(int) block] = body.sum(start, Math.min(count, start + blockSize));
            });
        }
        double total = 0;
        for (double value : partial) {
            total += value;
        }
        return total;
    }

    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int CANCELLED = 3;

    private interface BlockBody {
        void run(long block);
    }

    private void runBlocks(long blocks, BlockBody body) {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable loop = () -> {
            try {
                for (long block = next.getAndIncrement(); block < blocks && failure.get() == null;
                        block = next.getAndIncrement()) {
                    body.run(block);
                }
            } catch (Throwable error) {
                failure.compareAndSet(null, error);
            }
        };
        int helpers = (int) Math.min(threads - 1, blocks - 1);
        // a helper is QUEUED until a thread takes it (RUNNING, then DONE), or CANCELLED by the caller once the
        // caller has run out of blocks: the caller waits only for helpers that started
        AtomicIntegerArray states = new AtomicIntegerArray(helpers);
        Object finished = new Object();
        for (int i = 0; i < helpers; i++) {
            int helper = i;
            workers.execute(() -> {
                if (!states.compareAndSet(helper, QUEUED, RUNNING)) {
                    return;
                }
                try {
                    loop.run();
                } finally {
                    synchronized (finished) {
                        states.set(helper, DONE);
                        finished.notifyAll();
                    }
                }
            });
        }
        loop.run();
        synchronized (finished) {
            for (int i = 0; i < helpers; i++) {
                states.compareAndSet(i, QUEUED, CANCELLED);
                while (states.get(i) == RUNNING) {
                    try {
                        finished.wait();
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for parallel blocks", interrupted);
                    }
                }
            }
        }
        Throwable error = failure.get();
        if (error instanceof RuntimeException runtime) {
            throw runtime;
        } else if (error instanceof Error fatal) {
            throw fatal;
        } else if (error != null) {
            throw new IllegalStateException(error);
        }
    }

    @Override
    public void close() {
        if (workers != null && ownsWorkers) {
            workers.shutdown();
        }
    }
}
