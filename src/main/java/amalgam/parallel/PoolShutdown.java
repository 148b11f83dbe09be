package amalgam.parallel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Ends a pool that this code owns: queued work is dropped, running work is interrupted and waited for. */
final class PoolShutdown {
    private PoolShutdown() {
    }

    /**
     * Returns only when no thread of {@code executor} runs anymore, even when interrupted (re-asserting the interrupt):
     * a job still inside native code reads and writes memory that the caller frees next.
     */
    static void stopAndAwait(ExecutorService executor) {
        executor.shutdownNow();
        boolean interrupted = false;
        while (!executor.isTerminated()) {
            try {
                executor.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
