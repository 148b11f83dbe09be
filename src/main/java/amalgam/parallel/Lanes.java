package amalgam.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Independent jobs (whole training runs, whole task evaluations) spread over a few threads, each job on one thread
 * from start to end, so a job's result cannot depend on how many lanes there are. Results come back in job order; the
 * first failure is rethrown as it was (unchecked exceptions) after the other jobs are cancelled and the running ones
 * have ended (they may be inside native code on memory the caller frees next).
 */
public final class Lanes {
    private Lanes() {
    }

    public static <T> List<T> run(int lanes, List<Callable<T>> jobs) {
        ExecutorService executor = Executors.newFixedThreadPool(Math.max(1, Math.min(lanes, jobs.size())), runnable -> {
            Thread thread = new Thread(runnable, "amalgam-lane");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> job : jobs) {
                futures.add(executor.submit(job));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for lanes", e);
        } finally {
            PoolShutdown.stopAndAwait(executor);
        }
    }
}
