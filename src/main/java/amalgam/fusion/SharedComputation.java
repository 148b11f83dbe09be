package amalgam.fusion;

import java.lang.foreign.Arena;
import java.util.function.Function;

/**
 * One computation whose result several tensor jobs read (the SVDs of one linear give its gate and all its experts'
 * factors): the first job to need it computes it, the others wait for it, and once the last of its {@code readers}
 * jobs has read it the result is let go. It lives in an automatic arena, so a plan abandoned half way (a failed or
 * resumed merge) frees it with the plan. The result must be a pure function of the inputs, so which job computes it
 * does not matter.
 */
public final class SharedComputation<T> {
    private final Function<Arena, T> computation;
    private int readers;
    private T value;

    /** A computation that {@code readers} jobs will read, each once. */
    public SharedComputation(int readers, Function<Arena, T> computation) {
        if (readers < 1) {
            throw new IllegalArgumentException("readers must be >= 1, got " + readers);
        }
        this.readers = readers;
        this.computation = computation;
    }

    /** Applies {@code reader} to the result (computing it first if no job has yet); one call per reader job. */
    public synchronized <R> R read(Function<T, R> reader) {
        if (readers == 0) {
            throw new IllegalStateException("every reader has already read this computation");
        }
        if (value == null) {
            value = computation.apply(Arena.ofAuto());
        }
        try {
            return reader.apply(value);
        } finally {
            if (--readers == 0) {
                value = null; // the last reader is done: the arena goes with it
            }
        }
    }
}
