package amalgam.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared worker pool: its parallel helper gives the same sums as a private one, and tasks running on every
 * worker thread may use the helper themselves (their helpers cannot start while all threads are busy: the callers
 * take over those blocks instead of waiting, so nothing deadlocks).
 */
class WorkersTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nestedUseFromEveryWorkerThreadCompletes() throws Exception {
        try (Workers workers = new Workers(2); Parallel own = new Parallel(3)) {
            double expected = own.sum(100_000, 1000, (start, end) -> sum(start, end));
            List<Future<Double>> tasks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                tasks.add(workers.executor().submit(() -> workers.parallel().sum(100_000, 1000, WorkersTest::sum)));
            }
            for (Future<Double> task : tasks) {
                assertEquals(expected, task.get());
            }
            assertEquals(expected, workers.parallel().sum(100_000, 1000, WorkersTest::sum));
        }
    }

    private static double sum(long start, long end) {
        double total = 0;
        for (long i = start; i < end; i++) {
            total += Math.sqrt(i);
        }
        return total;
    }
}
