package amalgam.tensor;

import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Tensors computed on first request and shared by everyone who asks while any of them holds it: each
 * {@link #acquire} is matched by one {@link #release}, and the last release frees the memory. A tensor asked for
 * by two threads at once may be computed twice; one copy is kept.
 */
public final class SharedTensors implements AutoCloseable {
    private record Held(Arena arena, Tensor tensor, int holders) {
    }

    private final Map<String, Held> held = new HashMap<>();

    /** The tensor called {@code name}, computed into a fresh arena by {@code compute} unless someone holds it. */
    public Tensor acquire(String name, Function<Arena, Tensor> compute) {
        synchronized (held) {
            Held known = held.get(name);
            if (known != null) {
                held.put(name, new Held(known.arena(), known.tensor(), known.holders() + 1));
                return known.tensor();
            }
        }
        Arena arena = Arena.ofShared();
        Tensor tensor;
        try {
            tensor = compute.apply(arena);
        } catch (RuntimeException | Error failure) {
            arena.close();
            throw failure;
        }
        synchronized (held) {
            Held raced = held.get(name);
            if (raced != null) {
                arena.close();
                held.put(name, new Held(raced.arena(), raced.tensor(), raced.holders() + 1));
                return raced.tensor();
            }
            held.put(name, new Held(arena, tensor, 1));
        }
        return tensor;
    }

    /** Gives up one hold on {@code name}; the last one frees it. Releasing what is not held does nothing. */
    public void release(String name) {
        Arena freed = null;
        synchronized (held) {
            Held known = held.get(name);
            if (known != null && known.holders() > 1) {
                held.put(name, new Held(known.arena(), known.tensor(), known.holders() - 1));
            } else if (known != null) {
                held.remove(name);
                freed = known.arena();
            }
        }
        if (freed != null) {
            freed.close();
        }
    }

    /** How many tensors are held. */
    public int size() {
        synchronized (held) {
            return held.size();
        }
    }

    @Override
    public void close() {
        synchronized (held) {
            held.values().forEach(entry -> entry.arena().close());
            held.clear();
        }
    }
}
