package amalgam.model.lm;

import amalgam.nn.Graph;
import amalgam.nn.Var;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The keys and values of one sequence's past positions, per layer, so that generation feeds each new token alone:
 * a forward over n new tokens at positions p..p+n-1 writes their keys and values after the p kept ones and attends
 * over all p+n. Rows are stored position-major ([capacity, kv heads x head dim] per layer), so the first p+n rows
 * are one contiguous block. Keys are stored after the rotary embedding, as transformers' cache holds them.
 */
public final class KvCache implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private final int kvHeads;
    private final int headDimension;
    private int length;

    /** Room for {@code capacity} positions of a model with {@code layers} layers. */
    public KvCache(int layers, int capacity, int kvHeads, int headDimension) {
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.headDimension = headDimension;
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        for (int layer = 0; layer < layers; layer++) {
            keys[layer] = Tensor.allocate(arena, DType.F32, Shape.of(capacity, (long) kvHeads * headDimension));
            values[layer] = Tensor.allocate(arena, DType.F32, Shape.of(capacity, (long) kvHeads * headDimension));
        }
    }

    /** Positions kept so far: the position of the next token. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Layer {@code layer}'s keys of the new tokens ([1, kv heads, n, d]) appended: all keys [1, kv heads, p + n, d]. */
    Var keys(Graph graph, int layer, Var fresh) {
        return extend(graph, keys[layer], fresh);
    }

    /** The same for the values. */
    Var values(Graph graph, int layer, Var fresh) {
        return extend(graph, values[layer], fresh);
    }

    /** Called once a forward has gone through every layer: its n tokens are now past positions. */
    void advance(int tokens) {
        length += tokens;
    }

    private Var extend(Graph graph, Tensor storage, Var fresh) {
        long tokens = fresh.shape().dim(2);
        if (length + tokens > capacity) {
            throw new IllegalStateException("the cache holds " + capacity + " positions; " + length + " + " + tokens + " do not fit");
        }
        long rowBytes = (long) kvHeads * headDimension * Float.BYTES;
        Tensor rows = graph.transpose(fresh, 1, 2).value(); // [1, n, kv heads, d]: the storage's row layout
        MemorySegment.copy(rows.data(), 0, storage.data(), length * rowBytes, tokens * rowBytes);
        long all = length + tokens;
        Tensor kept = Tensor.of(DType.F32, Shape.of(1, all, kvHeads, headDimension), storage.data().asSlice(0, all * rowBytes));
        return graph.transpose(graph.constant(kept), 1, 2);
    }

    @Override
    public void close() {
        arena.close();
    }
}
