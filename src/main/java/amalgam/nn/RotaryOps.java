package amalgam.nn;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Rotary position embedding (Su et al. 2021, RoFormer) in Hugging Face's half-split layout: for x [B, H, L, d] and
 * tables cos, sin [L, d] (one set of positions for every row) or [B, L, d] (positions per row),
 * y = x cos + rotate_half(x) sin with rotate_half(x) = [-x[d/2:], x[:d/2]]. The two products are rounded before the
 * sum, as torch evaluates the expression. rotate_half is a rotation R with R^T = -R, so the backward is
 * dx = g cos - rotate_half(g sin). The tables are constants (no gradient).
 */
final class RotaryOps {
    private RotaryOps() {
    }

    static Var rotary(Graph graph, Var x, Tensor cos, Tensor sin) {
        Shape xs = x.shape();
        if (xs.rank() != 4 || xs.dim(3) % 2 != 0) {
            throw new IllegalArgumentException("rotary: need x [B, H, L, d] with d even, got " + xs);
        }
        long batch = xs.dim(0);
        long heads = xs.dim(1);
        long length = xs.dim(2);
        int d = Math.toIntExact(xs.dim(3));
        boolean perRow = cos.shape().rank() == 3;
        Shape table = perRow ? Shape.of(batch, length, d) : Shape.of(length, d);
        if (!cos.shape().equals(table) || !sin.shape().equals(table) || cos.dtype() != DType.F32 || sin.dtype() != DType.F32) {
            throw new IllegalArgumentException("rotary: x " + xs + " needs F32 cos and sin tables of shape " + table
                    + " or [L, d], got " + cos + " and " + sin);
        }
        int half = d / 2;
        MemorySegment in = x.value().data();
        MemorySegment c = cos.data();
        MemorySegment s = sin.data();
        Tensor out = graph.allocate(xs);
        MemorySegment o = out.data();
        long rows = batch * heads * length;
        graph.parallel().forRange(rows, Floats.rowGrain(d), (start, end) -> {
            for (long row = start; row < end; row++) {
                long base = row * d;
                long tableBase = tableRow(row, heads, length, perRow) * d;
                for (int j = 0; j < half; j++) {
                    float first = Floats.get(in, base + j);
                    float second = Floats.get(in, base + j + half);
                    float firstCos = first * Floats.get(c, tableBase + j);
                    float secondCos = second * Floats.get(c, tableBase + j + half);
                    Floats.set(o, base + j, firstCos + -second * Floats.get(s, tableBase + j));
                    Floats.set(o, base + j + half, secondCos + first * Floats.get(s, tableBase + j + half));
                }
            }
        });
        return graph.record(out, grad -> {
            MemorySegment g = grad.data();
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(rows, Floats.rowGrain(d), (start, end) -> {
                for (long row = start; row < end; row++) {
                    long base = row * d;
                    long tableBase = tableRow(row, heads, length, perRow) * d;
                    for (int j = 0; j < half; j++) {
                        float gFirst = Floats.get(g, base + j);
                        float gSecond = Floats.get(g, base + j + half);
                        float dFirst = gFirst * Floats.get(c, tableBase + j) + gSecond * Floats.get(s, tableBase + j + half);
                        float dSecond = gSecond * Floats.get(c, tableBase + j + half) - gFirst * Floats.get(s, tableBase + j);
                        Floats.set(target, base + j, Floats.get(target, base + j) + dFirst);
                        Floats.set(target, base + j + half, Floats.get(target, base + j + half) + dSecond);
                    }
                }
            });
        }, x);
    }

    /** The table row of x's row (b, h, l): l, or b L + l for per-row tables. */
    private static long tableRow(long row, long heads, long length, boolean perRow) {
        long position = row % length;
        return perRow ? (row / (heads * length)) * length + position : position;
    }
}
