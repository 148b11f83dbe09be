package amalgam.parallel;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Work handed to a pool that a failure elsewhere may have to stop before the memory it uses is freed.
 * {@link Future#cancel} returns at once even while the task runs, and a task inside native code (BLAS, LAPACK, a
 * mapped file) keeps reading and writing through raw addresses that no arena guards: freeing its buffers or unmapping
 * its inputs then crashes the process. {@link #stop} keeps the task from starting, or waits until it has ended.
 */
public final class StoppableTask<T> {
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int ENDED = 2;

    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Future<T> future;

    private StoppableTask(ExecutorService pool, Callable<T> work) {
        this.future = pool.submit(() -> {
            if (!state.compareAndSet(QUEUED, RUNNING)) {
                throw new CancellationException("stopped before it started");
            }
            try {
                return work.call();
            } finally {
                state.set(ENDED);
                ended.countDown();
            }
        });
    }

    public static <T> StoppableTask<T> submit(ExecutorService pool, Callable<T> work) {
        return new StoppableTask<>(pool, work);
    }

    /** The task's result, waiting for it; its failure comes as the cause of an {@link ExecutionException}. */
    public T get() throws ExecutionException, InterruptedException {
        return future.get();
    }

    public boolean isDone() {
        return future.isDone();
    }

    /**
     * Keeps the task from starting, or interrupts it and waits until it has ended; afterwards nothing of it runs.
     * Waits even when this thread is interrupted (re-asserting the interrupt), since returning early is the crash.
     */
    public void stop() {
        if (state.compareAndSet(QUEUED, ENDED)) {
            future.cancel(false);
            return;
        }
        future.cancel(true);
        boolean interrupted = false;
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
