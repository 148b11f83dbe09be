package amalgam.nn;

import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Shape changes: reshape (a view of the same memory, no copy), transpose of two axes (materialised: the result is
 * row-major again, so it can feed gemm), concatenation and slicing along an axis. Every copy moves contiguous runs of
 * the dims after the axes involved.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    static Var reshape(Graph graph, Var x, long... dims) {
        Shape shape = Shape.of(dims);
        if (shape.elementCount() != x.value().elementCount()) {
            throw new IllegalArgumentException("reshape: cannot view " + x.shape() + " as " + shape);
        }
        Tensor out = x.value().reshape(shape);
        return graph.record(out, grad -> ElementwiseOps.accumulate(graph, grad, 1f, graph.gradOf(x)), x);
    }

    static Var transpose(Graph graph, Var x, int axis1, int axis2) {
        Shape shape = x.shape();
        int rank = shape.rank();
        int a = Math.min(normalize(axis1, rank), normalize(axis2, rank));
        int b = Math.max(normalize(axis1, rank), normalize(axis2, rank));
        long[] dims = shape.toArray();
        long outer = product(dims, 0, a);
        long mid = product(dims, a + 1, b);
        long inner = product(dims, b + 1, rank);
        long dimA = dims[a];
        long dimB = dims[b];
        long[] outDims = dims.clone();
        outDims[a] = dimB;
        outDims[b] = dimA;
        Tensor out = graph.allocate(Shape.of(outDims));
        if (a == b) {
            out.data().copyFrom(x.value().data());
        } else {
            swap(graph, x.value().data(), out.data(), outer, dimA, mid, dimB, inner, false);
        }
        return graph.record(out, grad -> {
            MemorySegment target = graph.gradOf(x).data();
            if (a == b) {
                ElementwiseOps.accumulate(graph, grad, 1f, graph.gradOf(x));
            } else {
                swap(graph, grad.data(), target, outer, dimB, mid, dimA, inner, true);
            }
        }, x);
    }

    /** dst [outer, dimB, mid, dimA, inner] (+)= src [outer, dimA, mid, dimB, inner] with the two axes swapped. */
    private static void swap(Graph graph, MemorySegment src, MemorySegment dst, long outer, long dimA, long mid, long dimB,
            long inner, boolean accumulate) {
        int run = Math.toIntExact(inner);
        long rows = outer * dimA * mid * dimB;
        graph.parallel().forRange(rows, Floats.rowGrain(inner), (start, end) -> {
            for (long row = start; row < end; row++) {
                long j = row % dimB;
                long rest = row / dimB;
                long m = rest % mid;
                rest /= mid;
                long i = rest % dimA;
                long o = rest / dimA;
                long srcOffset = row * inner;
                long dstOffset = (((o * dimB + j) * mid + m) * dimA + i) * inner;
                if (accumulate) {
                    Floats.add(run, dst, dstOffset, src, srcOffset, dst, dstOffset);
                } else {
                    MemorySegment.copy(src, srcOffset * 4, dst, dstOffset * 4, inner * 4);
                }
            }
        });
    }

    static Var concat(Graph graph, List<Var> parts, int axis) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("concat: no inputs");
        }
        Shape first = parts.get(0).shape();
        int rank = first.rank();
        int a = normalize(axis, rank);
        long[] dims = first.toArray();
        long total = 0;
        for (Var part : parts) {
            long[] other = part.shape().toArray();
            if (other.length != rank) {
                throw new IllegalArgumentException("concat: ranks differ: " + first + " and " + part.shape());
            }
            for (int i = 0; i < rank; i++) {
                if (i != a && other[i] != dims[i]) {
                    throw new IllegalArgumentException("concat along " + a + ": shapes " + first + " and " + part.shape()
                            + " differ off the axis");
                }
            }
            total += other[a];
        }
        long outer = product(dims, 0, a);
        long inner = product(dims, a + 1, rank);
        long[] outDims = dims.clone();
        outDims[a] = total;
        Tensor out = graph.allocate(Shape.of(outDims));
        long outRun = total * inner;
        long offset = 0;
        long[] offsets = new long[parts.size()];
        for (int k = 0; k < parts.size(); k++) {
            Var part = parts.get(k);
            long run = part.shape().dim(a) * inner;
            offsets[k] = offset;
            for (long o = 0; o < outer; o++) {
                MemorySegment.copy(part.value().data(), o * run * 4, out.data(), (o * outRun + offset) * 4, run * 4);
            }
            offset += run;
        }
        return graph.record(out, grad -> {
            for (int k = 0; k < parts.size(); k++) {
                Var part = parts.get(k);
                if (!part.requiresGrad()) {
                    continue;
                }
                long run = part.shape().dim(a) * inner;
                MemorySegment target = graph.gradOf(part).data();
                for (long o = 0; o < outer; o++) {
                    Floats.add(Math.toIntExact(run), target, o * run, grad.data(), o * outRun + offsets[k], target, o * run);
                }
            }
        }, parts.toArray(Var[]::new));
    }

    /** Elements [start, end) along an axis (a copy). */
    static Var slice(Graph graph, Var x, int axis, long start, long end) {
        Shape shape = x.shape();
        int rank = shape.rank();
        int a = normalize(axis, rank);
        long[] dims = shape.toArray();
        if (start < 0 || end > dims[a] || start > end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") outside axis " + a + " of " + shape);
        }
        long outer = product(dims, 0, a);
        long inner = product(dims, a + 1, rank);
        long[] outDims = dims.clone();
        outDims[a] = end - start;
        Tensor out = graph.allocate(Shape.of(outDims));
        long inRun = dims[a] * inner;
        long run = (end - start) * inner;
        for (long o = 0; o < outer; o++) {
            MemorySegment.copy(x.value().data(), (o * inRun + start * inner) * 4, out.data(), o * run * 4, run * 4);
        }
        return graph.record(out, grad -> {
            MemorySegment target = graph.gradOf(x).data();
            for (long o = 0; o < outer; o++) {
                long at = o * inRun + start * inner;
                Floats.add(Math.toIntExact(run), target, at, grad.data(), o * run, target, at);
            }
        }, x);
    }

    static int normalize(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " outside rank " + rank);
        }
        return a;
    }

    static long product(long[] dims, int from, int to) {
        long product = 1;
        for (int i = from; i < to; i++) {
            product *= dims[i];
        }
        return product;
    }
}
