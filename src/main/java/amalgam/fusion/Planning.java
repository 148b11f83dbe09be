package amalgam.fusion;

import amalgam.parallel.Parallel;
import java.util.function.Supplier;

/**
 * The threads a plan may use for its global statistics passes (FusionBench TIES' trim and sign election stream
 * the whole model before any job exists). The run program and the benchmark bind the engine's thread count
 * ({@code --threads}) around planning; unbound, planning runs on the calling thread. Passes that use it cut their
 * work into blocks that do not depend on the thread count and combine per-thread integer counts, so a plan is the
 * same for any number of threads.
 */
public final class Planning {
    private static final ScopedValue<Parallel> PARALLEL = ScopedValue.newInstance();
    /** Runs everything on the caller's thread (holds no threads, so a shared instance is harmless). */
    private static final Parallel CALLING_THREAD = new Parallel(1);

    private Planning() {
    }

    /** Runs {@code work} (which builds plans) with {@code parallel} for its statistics passes. */
    public static <T> T with(Parallel parallel, Supplier<T> work) {
        return ScopedValue.where(PARALLEL, parallel).call(work::get);
    }

    /** The parallel helper bound by {@link #withThreads}, else one that runs on the calling thread. */
    public static Parallel parallel() {
        return PARALLEL.isBound() ? PARALLEL.get() : CALLING_THREAD;
    }
}
