package amalgam.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StoppableTaskTest {
    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void close() {
        pool.shutdownNow();
    }

    @Test
    void stopWaitsForARunningTaskThatIgnoresInterrupts() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        StoppableTask<Void> task = StoppableTask.submit(pool, spinning(started, finished));
        started.await();
        task.stop();
        assertTrue(finished.get(), "stop() returned while the task still ran");
    }

    @Test
    void stopKeepsAQueuedTaskFromEverStarting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        StoppableTask<Void> blocker = StoppableTask.submit(pool, () -> {
            release.await();
            return null;
        });
        AtomicBoolean ran = new AtomicBoolean();
        StoppableTask<Void> queued = StoppableTask.submit(pool, () -> {
            ran.set(true);
            return null;
        });
        queued.stop();
        release.countDown();
        blocker.get();
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertFalse(ran.get());
        assertTrue(queued.isDone());
    }

    @Test
    void getGivesTheResultOrTheFailureAndStopAfterwardsReturnsAtOnce() throws Exception {
        StoppableTask<Integer> fine = StoppableTask.submit(pool, () -> 42);
        assertEquals(42, fine.get());
        fine.stop();
        StoppableTask<Integer> broken = StoppableTask.submit(pool, () -> {
            throw new IllegalArgumentException("bad");
        });
        ExecutionException failure = assertThrows(ExecutionException.class, broken::get);
        assertInstanceOf(IllegalArgumentException.class, failure.getCause());
        broken.stop();
    }

    @Test
    void stopWaitsEvenWhenTheStoppingThreadIsInterrupted() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        StoppableTask<Void> task = StoppableTask.submit(pool, spinning(started, finished));
        started.await();
        Thread.currentThread().interrupt();
        task.stop();
        assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        assertTrue(finished.get());
    }

    /** A task that runs 300 ms deaf to interrupts, as native code is, then says it finished. */
    private static Callable<Void> spinning(CountDownLatch started, AtomicBoolean finished) {
        return () -> {
            started.countDown();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            finished.set(true);
            return null;
        };
    }
}
