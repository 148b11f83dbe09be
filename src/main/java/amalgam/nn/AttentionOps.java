package amalgam.nn;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scaled dot-product attention (Vaswani et al. 2017) over q [B, H, Lq, d], k [B, Hkv, Lk, d], v [B, Hkv, Lk, dv]:
 * S = scale q k^T + mask, P = softmax(S) along keys, out = P v [B, H, Lq, dv]. With Hkv < H (grouped-query attention,
 * Ainslie et al. 2023; multi-query when Hkv = 1) query head h reads key/value head h / (H / Hkv), as Hugging Face's
 * {@code repeat_kv}, without copying k and v.
 *
 * <p>Masks follow Hugging Face: a masked score gets the float32 minimum added (a large negative, not -inf, so a fully
 * masked row gives a uniform distribution over all keys instead of NaN; the sum is clamped at the float32 minimum so
 * it never overflows to -inf). {@link AttentionMask} says which keys are hidden (future, outside a sliding window,
 * padding).
 *
 * <p>Backward with G = d out: dV += P^T G, dP = G v^T, dS = P (dP - rowsum(dP P)), dQ += scale dS k,
 * dK += scale dS^T q. The probabilities P are kept from the forward ([B, H, Lq, Lk]).
 */
final class AttentionOps {
    static final float MASKED = -Float.MAX_VALUE;

    private AttentionOps() {
    }

    static Var attention(Graph graph, Var q, Var k, Var v, boolean causal, Tensor keyMask, float scale) {
        return attention(graph, q, k, v, new AttentionMask(causal, keyMask, 0), scale);
    }

    static Var attention(Graph graph, Var q, Var k, Var v, AttentionMask mask, float scale) {
        Shape qs = q.shape();
        Shape ks = k.shape();
        Shape vs = v.shape();
        if (qs.rank() != 4 || ks.rank() != 4 || vs.rank() != 4 || qs.dim(0) != ks.dim(0) || ks.dim(1) == 0
                || qs.dim(1) % ks.dim(1) != 0 || qs.dim(3) != ks.dim(3) || !sameBatchAndLength(ks, vs)) {
            throw new IllegalArgumentException("attention: need q [B, H, Lq, d], k [B, Hkv, Lk, d], v [B, Hkv, Lk, dv]"
                    + " with Hkv dividing H, got " + qs + ", " + ks + ", " + vs);
        }
        Tensor keyMask = mask.keyMask();
        long batch = qs.dim(0);
        long heads = qs.dim(1);
        long kvHeads = ks.dim(1);
        long group = heads / kvHeads;
        long queries = qs.dim(2);
        long keys = ks.dim(2);
        long d = qs.dim(3);
        long dv = vs.dim(3);
        if (keyMask != null && (keyMask.shape().rank() != 2 || keyMask.shape().dim(0) != batch
                || keyMask.shape().dim(1) != keys)) {
            throw new IllegalArgumentException("attention: key mask " + keyMask.shape() + " should be [" + batch + ", "
                    + keys + "]");
        }
        long pairs = batch * heads;
        Tensor probabilities = graph.allocate(Shape.of(batch, heads, queries, keys));
        Tensor out = graph.allocate(Shape.of(batch, heads, queries, dv));
        for (long p = 0; p < pairs; p++) {
            LinearAlgebra.gemm(false, true, scale, MatMulOps.slice(q.value(), p, queries, d),
                    MatMulOps.slice(k.value(), kvPair(p, heads, group), keys, d), 0f, MatMulOps.slice(probabilities, p, queries, keys));
        }
        MemorySegment pd = probabilities.data();
        int n = Math.toIntExact(keys);
        graph.parallel().forRange(pairs * queries, Floats.rowGrain(keys), (start, end) -> {
            for (long row = start; row < end; row++) {
                long b = row / (heads * queries);
                long i = row % queries;
                long base = row * keys;
                for (long j = 0; j < keys; j++) {
                    if (mask.hides(b, i, j, queries, keys)) {
                        Floats.set(pd, base + j, Math.max(Floats.get(pd, base + j) + MASKED, MASKED));
                    }
                }
                SoftmaxOps.softmaxRows(pd, pd, row, row + 1, n, false);
            }
        });
        for (long p = 0; p < pairs; p++) {
            LinearAlgebra.gemm(false, false, 1f, MatMulOps.slice(probabilities, p, queries, keys),
                    MatMulOps.slice(v.value(), kvPair(p, heads, group), keys, dv), 0f, MatMulOps.slice(out, p, queries, dv));
        }
        return graph.record(out, grad -> {
            Tensor scores = graph.allocate(Shape.of(batch, heads, queries, keys)); // dP, then dS in place
            for (long p = 0; p < pairs; p++) {
                Matrix g = MatMulOps.slice(grad, p, queries, dv);
                Matrix probability = MatMulOps.slice(probabilities, p, queries, keys);
                if (v.requiresGrad()) {
                    LinearAlgebra.gemm(true, false, 1f, probability, g, 1f, MatMulOps.slice(graph.gradOf(v), kvPair(p, heads, group), keys, dv));
                }
                LinearAlgebra.gemm(false, true, 1f, g, MatMulOps.slice(v.value(), kvPair(p, heads, group), keys, dv), 0f,
                        MatMulOps.slice(scores, p, queries, keys));
            }
            MemorySegment sd = scores.data();
            graph.parallel().forRange(pairs * queries, Floats.rowGrain(keys), (start, end) -> {
                for (long row = start; row < end; row++) {
                    long base = row * keys;
                    float dot = (float) Floats.dot(n, sd, base, pd, base);
                    for (int j = 0; j < n; j++) {
                        Floats.set(sd, base + j, Floats.get(pd, base + j) * (Floats.get(sd, base + j) - dot));
                    }
                }
            });
            for (long p = 0; p < pairs; p++) {
                Matrix ds = MatMulOps.slice(scores, p, queries, keys);
                if (q.requiresGrad()) {
                    LinearAlgebra.gemm(false, false, scale, ds, MatMulOps.slice(k.value(), kvPair(p, heads, group), keys, d), 1f,
                            MatMulOps.slice(graph.gradOf(q), p, queries, d));
                }
                if (k.requiresGrad()) {
                    LinearAlgebra.gemm(true, false, scale, ds, MatMulOps.slice(q.value(), p, queries, d), 1f,
                            MatMulOps.slice(graph.gradOf(k), kvPair(p, heads, group), keys, d));
                }
            }
        }, q, k, v);
    }

    /** The key/value (batch, head) pair that query pair p = b H + h reads. */
    private static long kvPair(long p, long heads, long group) {
        return (p / heads) * (heads / group) + (p % heads) / group;
    }

    private static boolean sameBatchAndLength(Shape k, Shape v) {
        return k.dim(0) == v.dim(0) && k.dim(1) == v.dim(1) && k.dim(2) == v.dim(2);
    }
}
