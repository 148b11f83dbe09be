package amalgam.nn;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scaled dot-product attention (Vaswani et al. 2017) over q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv]:
 * S = scale q k^T + mask, P = softmax(S) along keys, out = P v [B, H, Lq, dv].
 *
 * <p>Masks follow Hugging Face: a masked score gets the float32 minimum added (a large negative, not -inf, so a fully
 * masked row gives a uniform distribution instead of NaN; the sum is clamped at the float32 minimum so two masks never
 * overflow to -inf). The causal mask hides key j from query i when j > i + (Lk - Lq); the key-padding mask
 * [B, Lk] hides key j of batch b where it is 0.
 *
 * <p>Backward with G = d out: dV += P^T G, dP = G v^T, dS = P (dP - rowsum(dP P)), dQ += scale dS k,
 * dK += scale dS^T q. The probabilities P are kept from the forward ([B, H, Lq, Lk]).
 */
final class AttentionOps {
    static final float MASKED = -Float.MAX_VALUE;

    private AttentionOps() {
    }

    static Var attention(Graph graph, Var q, Var k, Var v, boolean causal, Tensor keyMask, float scale) {
        Shape qs = q.shape();
        Shape ks = k.shape();
        Shape vs = v.shape();
        if (qs.rank() != 4 || ks.rank() != 4 || vs.rank() != 4 || qs.dim(0) != ks.dim(0) || qs.dim(1) != ks.dim(1)
                || qs.dim(3) != ks.dim(3) || !sameBatchAndLength(ks, vs)) {
            throw new IllegalArgumentException("attention: need q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv], got "
                    + qs + ", " + ks + ", " + vs);
        }
        long batch = qs.dim(0);
        long heads = qs.dim(1);
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
                    MatMulOps.slice(k.value(), p, keys, d), 0f, MatMulOps.slice(probabilities, p, queries, keys));
        }
        MemorySegment pd = probabilities.data();
        int n = Math.toIntExact(keys);
        long offset = keys - queries;
        graph.parallel().forRange(pairs * queries, Floats.rowGrain(keys), (start, end) -> {
            for (long row = start; row < end; row++) {
                long b = row / (heads * queries);
                long i = row % queries;
                long base = row * keys;
                for (long j = 0; j < keys; j++) {
                    boolean hidden = keyMask != null && keyMask.getFloat(b * keys + j) == 0;
                    boolean future = causal && j > i + offset;
                    if (hidden || future) {
                        float s = Floats.get(pd, base + j) + MASKED + (hidden && future ? MASKED : 0);
                        Floats.set(pd, base + j, Math.max(s, MASKED));
                    }
                }
                SoftmaxOps.softmaxRows(pd, pd, row, row + 1, n, false);
            }
        });
        for (long p = 0; p < pairs; p++) {
            LinearAlgebra.gemm(false, false, 1f, MatMulOps.slice(probabilities, p, queries, keys),
                    MatMulOps.slice(v.value(), p, keys, dv), 0f, MatMulOps.slice(out, p, queries, dv));
        }
        return graph.record(out, grad -> {
            Tensor scores = graph.allocate(Shape.of(batch, heads, queries, keys)); // dP, then dS in place
            for (long p = 0; p < pairs; p++) {
                Matrix g = MatMulOps.slice(grad, p, queries, dv);
                Matrix probability = MatMulOps.slice(probabilities, p, queries, keys);
                if (v.requiresGrad()) {
                    LinearAlgebra.gemm(true, false, 1f, probability, g, 1f, MatMulOps.slice(graph.gradOf(v), p, keys, dv));
                }
                LinearAlgebra.gemm(false, true, 1f, g, MatMulOps.slice(v.value(), p, keys, dv), 0f,
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
                    LinearAlgebra.gemm(false, false, scale, ds, MatMulOps.slice(k.value(), p, keys, d), 1f,
                            MatMulOps.slice(graph.gradOf(q), p, queries, d));
                }
                if (k.requiresGrad()) {
                    LinearAlgebra.gemm(true, false, scale, ds, MatMulOps.slice(q.value(), p, queries, d), 1f,
                            MatMulOps.slice(graph.gradOf(k), p, keys, d));
                }
            }
        }, q, k, v);
    }

    private static boolean sameBatchAndLength(Shape k, Shape v) {
        return k.dim(0) == v.dim(0) && k.dim(1) == v.dim(1) && k.dim(2) == v.dim(2);
    }
}
