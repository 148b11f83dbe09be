package amalgam.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Results come back in job order whatever the lane count; a job's failure reaches the caller as it was thrown. */
class LanesTest {
    @Test
    void resultsInJobOrder() {
        List<Callable<Integer>> jobs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int value = i;
            jobs.add(() -> {
                Thread.sleep((10 - value) * 2L); // later jobs finish first
                return value * value;
            });
        }
        List<Integer> expected = List.of(0, 1, 4, 9, 16, 25, 36, 49, 64, 81);
        assertEquals(expected, Lanes.run(1, jobs));
        assertEquals(expected, Lanes.run(3, jobs));
    }

    @Test
    void aFailureIsRethrownAsItWas() {
        IllegalArgumentException failure = new IllegalArgumentException("bad task");
        List<Callable<Integer>> jobs = List.of(() -> 1, () -> {
            throw failure;
        });
        assertSame(failure, assertThrows(IllegalArgumentException.class, () -> Lanes.run(2, jobs)));
    }

    @Test
    void aFailureIsRethrownOnlyOnceTheOtherRunningJobsEnded() {
        CountDownLatch slowStarted = new CountDownLatch(1);
        AtomicBoolean slowEnded = new AtomicBoolean();
        List<Callable<Integer>> jobs = List.of(() -> {
            slowStarted.await();
            throw new IllegalArgumentException("bad task");
        }, () -> {
            slowStarted.countDown();
            long end = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < end) {
                Thread.onSpinWait(); // deaf to the interrupt, as native code is
            }
            slowEnded.set(true);
            return 2;
        });
        assertThrows(IllegalArgumentException.class, () -> Lanes.run(2, jobs));
        assertTrue(slowEnded.get(), "the failure came back while the other lane still ran");
    }
}
