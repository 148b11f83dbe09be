package amalgam.nn;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one parallel helper, of the neural engine and of the merge plans' statistics passes
 * ({@code amalgam.fusion.Planning}): a fixed pool of worker threads (the caller's thread takes part too)
 * running index ranges. Work is cut into blocks of a fixed {@code grain} that does not depend on the thread count, and
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

    private final int threads;
    private final ExecutorService workers; // threads - 1 workers; null when single-threaded

    /** A helper using {@code threads} threads in all (the calling thread included). */
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
        CountDownLatch done = new CountDownLatch(helpers);
        for (int i = 0; i < helpers; i++) {
            workers.execute(() -> {
                try {
                    loop.run();
                } finally {
                    done.countDown();
                }
            });
        }
        loop.run();
        try {
            done.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for parallel blocks", interrupted);
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
        if (workers != null) {
            workers.shutdown();
        }
    }
}
