package amalgam.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void visitsEveryIndexOnceAndSumsDeterministically() {
        double[] values = new double[100_003];
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian() * 1e6;
        }
        double[] sums = new double[4];
        for (int threads = 1; threads <= 4; threads++) {
            try (Parallel parallel = new Parallel(threads)) {
                int[] visits = new int[values.length];
                parallel.forRange(values.length, 1000, (start, end) -> {
                    for (long i = start; i < end; i++) {
                        visits[(int) i]++;
                    }
                });
                for (int visit : visits) {
                    assertEquals(1, visit);
                }
                sums[threads - 1] = parallel.sum(values.length, 777, (start, end) -> {
                    double s = 0;
                    for (long i = start; i < end; i++) {
                        s += values[(int) i];
                    }
                    return s;
                });
            }
        }
        assertArrayEquals(new double[] {sums[0], sums[0], sums[0], sums[0]}, sums, 0); // bit-identical
    }

    @Test
    void propagatesFailuresAndHandlesEmptyRanges() {
        try (Parallel parallel = new Parallel(2)) {
            AtomicLong calls = new AtomicLong();
            parallel.forRange(0, 10, (start, end) -> calls.incrementAndGet());
            assertEquals(0, calls.get());
            assertThrows(IllegalStateException.class, () -> parallel.forRange(100, 1, (start, end) -> {
                if (start == 57) {
                    throw new IllegalStateException("block 57");
                }
            }));
        }
    }
}
