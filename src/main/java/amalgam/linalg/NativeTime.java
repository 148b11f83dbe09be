package amalgam.linalg;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** Wall time spent inside BLAS and LAPACK calls, summed over threads, so benchmarks can put it next to the total. */
final class NativeTime {
    private static final LongAdder BLAS_NANOS = new LongAdder();
    private static final LongAdder LAPACK_NANOS = new LongAdder();

    private NativeTime() {
    }

    static <T> T lapack(Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } finally {
            LAPACK_NANOS.add(System.nanoTime() - start);
        }
    }

    static void blas(Runnable call) {
        long start = System.nanoTime();
        try {
            call.run();
        } finally {
            BLAS_NANOS.add(System.nanoTime() - start);
        }
    }

    static double blasSeconds() {
        return BLAS_NANOS.sum() / 1e9;
    }

    static double lapackSeconds() {
        return LAPACK_NANOS.sum() / 1e9;
    }

    static void reset() {
        BLAS_NANOS.reset();
        LAPACK_NANOS.reset();
    }
}
