package amalgam.nn;

import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Sums and means, over all elements (a rank-0 result) or along one axis (that axis removed). Sums accumulate in
 * double, in a fixed block order. The backward spreads the output gradient (times 1/count for means) back over the
 * summed positions.
 */
final class ReductionOps {
    static final Shape SCALAR = Shape.of(new long[0]);

    private ReductionOps() {
    }

    static Var sum(Graph graph, Var x, boolean mean) {
        long count = x.value().elementCount();
        double total = graph.parallel().sum(count, Floats.ELEMENT_GRAIN,
                (start, end) -> Floats.sum((int) (end - start), x.value().data(), start));
        float factor = mean ? 1f / count : 1f;
        Tensor out = graph.allocate(SCALAR);
        out.setFloat(0, (float) (total * factor));
        return graph.record(out, grad -> {
            float g = grad.getFloat(0) * factor;
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(count, Floats.ELEMENT_GRAIN, (start, end) -> {
                for (long i = start; i < end; i++) {
                    Floats.set(target, i, Floats.get(target, i) + g);
                }
            });
        }, x);
    }

    static Var sumAxis(Graph graph, Var x, int axis, boolean mean) {
        Shape shape = x.shape();
        int rank = shape.rank();
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("sum: axis " + axis + " outside shape " + shape);
        }
        long[] dims = shape.toArray();
        long outer = ShapeOps.product(dims, 0, a);
        long length = dims[a];
        long inner = ShapeOps.product(dims, a + 1, rank);
        long[] outDims = new long[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != a) {
                outDims[j++] = dims[i];
            }
        }
        float factor = mean ? 1f / length : 1f;
        Tensor out = graph.allocateZeroed(Shape.of(outDims));
        MemorySegment in = x.value().data();
        int innerInt = Math.toIntExact(inner);
        graph.parallel().forRange(outer, Floats.rowGrain(length * inner), (start, end) -> {
            for (long o = start; o < end; o++) {
                for (long j = 0; j < length; j++) {
                    Floats.axpy(innerInt, factor, in, (o * length + j) * inner, out.data(), o * inner);
                }
            }
        });
        return graph.record(out, grad -> {
            MemorySegment target = graph.gradOf(x).data();
            graph.parallel().forRange(outer, Floats.rowGrain(length * inner), (start, end) -> {
                for (long o = start; o < end; o++) {
                    for (long j = 0; j < length; j++) {
                        Floats.axpy(innerInt, factor, grad.data(), o * inner, target, (o * length + j) * inner);
                    }
                }
            });
        }, x);
    }

    /** target[j] += sum over rows of g[row, j] for g [rows, cols]; rows added in order (deterministic). */
    static void addColumnSums(MemorySegment g, long rows, long cols, MemorySegment target) {
        for (long row = 0; row < rows; row++) {
            Floats.add(Math.toIntExact(cols), target, 0, g, row * cols, target, 0);
        }
    }
}
