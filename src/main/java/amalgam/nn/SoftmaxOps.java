package amalgam.nn;

import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Softmax and log-softmax along the last axis, stable (the row maximum is subtracted first; sums in double), with
 * {@link VectorMath}'s exp.
 * Backward: softmax dx = y (g - sum(g y)); log-softmax dx = g - softmax(x) sum(g).
 */
final class SoftmaxOps {
    private SoftmaxOps() {
    }

    static Var softmax(Graph graph, Var x) {
        Tensor out = graph.allocate(x.shape());
        int n = lastDim(x);
        long rows = rows(x, n);
        graph.parallel().forRange(rows, Floats.rowGrain(n),
                (start, end) -> softmaxRows(x.value().data(), out.data(), start, end, n, false));
        return graph.record(out, grad -> {
            MemorySegment y = out.data();
            MemorySegment g = grad.data();
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
                for (long row = start; row < end; row++) {
                    long base = row * n;
                    float dot = (float) Floats.dot(n, g, base, y, base);
                    for (int i = 0; i < n; i++) {
                        float yi = Floats.get(y, base + i);
                        Floats.set(target, base + i, Floats.get(target, base + i) + yi * (Floats.get(g, base + i) - dot));
                    }
                }
            });
        }, x);
    }

    static Var logSoftmax(Graph graph, Var x) {
        Tensor out = graph.allocate(x.shape());
        int n = lastDim(x);
        long rows = rows(x, n);
        graph.parallel().forRange(rows, Floats.rowGrain(n),
                (start, end) -> softmaxRows(x.value().data(), out.data(), start, end, n, true));
        return graph.record(out, grad -> {
            MemorySegment y = out.data();
            MemorySegment g = grad.data();
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(rows, Floats.rowGrain(n), (start, end) -> {
                for (long row = start; row < end; row++) {
                    long base = row * n;
                    float total = (float) Floats.sum(n, g, base);
                    for (int i = 0; i < n; i++) {
                        float p = (float) Math.exp(Floats.get(y, base + i));
                        Floats.set(target, base + i, Floats.get(target, base + i) + Floats.get(g, base + i) - p * total);
                    }
                }
            });
        }, x);
    }

    /** Writes softmax (or log-softmax) of rows [start, end) of length n from in to out (out may equal in). */
    static void softmaxRows(MemorySegment in, MemorySegment out, long start, long end, int n, boolean log) {
        for (long row = start; row < end; row++) {
            long base = row * n;
            float max = VectorMath.max(n, in, base);
            if (log) {
                double total = 0;
                for (int i = 0; i < n; i++) {
                    total += VectorMath.exp(Floats.get(in, base + i) - max);
                }
                float logTotal = (float) Math.log(total);
                for (int i = 0; i < n; i++) {
                    Floats.set(out, base + i, Floats.get(in, base + i) - max - logTotal);
                }
            } else {
                double total = VectorMath.expShifted(n, max, in, base, out, base);
                Floats.scaleInPlace(n, (float) (1 / total), out, base);
            }
        }
    }

    static int lastDim(Var x) {
        if (x.shape().rank() < 1) {
            throw new IllegalArgumentException("need at least one axis, got a scalar");
        }
        return Math.toIntExact(x.shape().dim(-1));
    }

    static long rows(Var x, int n) {
        return n == 0 ? 0 : x.value().elementCount() / n;
    }
}
