package amalgam.nn;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Matrix products through {@link LinearAlgebra#gemm}: transposes are BLAS flags, never copies. Backward of
 * C = op(A) op(B): d op(A) = dC op(B)^T and d op(B) = op(A)^T dC, each one more gemm accumulating (beta = 1) into the
 * input's gradient.
 */
final class MatMulOps {
    private MatMulOps() {
    }

    /** x [..., k] times w [k, n] -> [..., n]; leading dims are flattened into rows (one gemm). */
    static Var matmul(Graph graph, Var x, Var w) {
        return product(graph, x, w, false, null);
    }

    /** x [..., in] times w^T for w [out, in] (torch layout), plus bias [out] when not null -> [..., out]. */
    static Var linear(Graph graph, Var x, Var w, Var bias) {
        return product(graph, x, w, true, bias);
    }

    private static Var product(Graph graph, Var x, Var w, boolean transposeW, Var bias) {
        Shape xs = x.shape();
        Shape ws = w.shape();
        if (ws.rank() != 2 || xs.rank() < 1) {
            throw new IllegalArgumentException((transposeW ? "linear" : "matmul") + ": need x [..., k] and a 2-D weight, got "
                    + xs + " and " + ws);
        }
        long k = xs.dim(-1);
        long wk = transposeW ? ws.dim(1) : ws.dim(0);
        long n = transposeW ? ws.dim(0) : ws.dim(1);
        if (k != wk) {
            throw new IllegalArgumentException((transposeW ? "linear" : "matmul") + ": x " + xs + " and weight " + ws
                    + (transposeW ? " [out, in]" : " [k, n]") + " disagree on k");
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != n)) {
            throw new IllegalArgumentException("linear: bias " + bias.shape() + " does not match out = " + n);
        }
        long m = xs.elementCount() / Math.max(1, k);
        long[] outDims = xs.toArray();
        outDims[outDims.length - 1] = n;
        Tensor out = graph.allocate(Shape.of(outDims));
        Matrix xm = new Matrix(m, k, x.value().data());
        Matrix wm = matrix(w.value());
        Matrix om = new Matrix(m, n, out.data());
        if (bias != null) {
            MemorySegment b = bias.value().data();
            graph.parallel().forRange(m, Floats.rowGrain(n), (start, end) -> {
                for (long row = start; row < end; row++) {
                    MemorySegment.copy(b, 0, out.data(), row * n * 4, n * 4);
                }
            });
        }
        LinearAlgebra.gemm(false, transposeW, 1f, xm, wm, bias == null ? 0f : 1f, om);
        return graph.record(out, grad -> {
            Matrix gm = new Matrix(m, n, grad.data());
            if (x.requiresGrad()) {
                LinearAlgebra.gemm(false, !transposeW, 1f, gm, wm, 1f, new Matrix(m, k, graph.gradOf(x).data()));
            }
            if (w.requiresGrad()) {
                Matrix gw = matrix(graph.gradOf(w));
                if (transposeW) {
                    LinearAlgebra.gemm(true, false, 1f, gm, xm, 1f, gw);
                } else {
                    LinearAlgebra.gemm(true, false, 1f, xm, gm, 1f, gw);
                }
            }
            if (bias != null && bias.requiresGrad()) {
                ReductionOps.addColumnSums(grad.data(), m, n, graph.gradOf(bias).data());
            }
        }, x, w, bias);
    }

    /**
     * Batched op(a) op(b): a [..., m, k] (or [..., k, m] when transposeA), b [..., k, n] (or [..., n, k]) with equal
     * leading (batch) dims -> [..., m, n]; one gemm per batch entry.
     */
    static Var batchedMatmul(Graph graph, Var a, Var b, boolean transposeA, boolean transposeB) {
        Shape as = a.shape();
        Shape bs = b.shape();
        int rank = as.rank();
        if (rank < 2 || bs.rank() != rank) {
            throw new IllegalArgumentException("batchedMatmul: need a and b of the same rank >= 2, got " + as + " and " + bs);
        }
        for (int axis = 0; axis < rank - 2; axis++) {
            if (as.dim(axis) != bs.dim(axis)) {
                throw new IllegalArgumentException("batchedMatmul: batch dims differ: " + as + " and " + bs);
            }
        }
        long aRows = as.dim(-2);
        long aCols = as.dim(-1);
        long bRows = bs.dim(-2);
        long bCols = bs.dim(-1);
        long m = transposeA ? aCols : aRows;
        long k = transposeA ? aRows : aCols;
        long n = transposeB ? bRows : bCols;
        if ((transposeB ? bCols : bRows) != k) {
            throw new IllegalArgumentException("batchedMatmul: op(a) of " + as + (transposeA ? " (transposed)" : "")
                    + " and op(b) of " + bs + (transposeB ? " (transposed)" : "") + " disagree on k");
        }
        long batch = as.elementCount() / Math.max(1, aRows * aCols);
        long[] outDims = as.toArray();
        outDims[rank - 2] = m;
        outDims[rank - 1] = n;
        Tensor out = graph.allocate(Shape.of(outDims));
        for (long i = 0; i < batch; i++) {
            LinearAlgebra.gemm(transposeA, transposeB, 1f, slice(a.value(), i, aRows, aCols), slice(b.value(), i, bRows, bCols),
                    0f, slice(out, i, m, n));
        }
        return graph.record(out, grad -> {
            for (long i = 0; i < batch; i++) {
                Matrix gm = slice(grad, i, m, n);
                Matrix am = slice(a.value(), i, aRows, aCols);
                Matrix bm = slice(b.value(), i, bRows, bCols);
                if (a.requiresGrad()) {
                    Matrix ga = slice(graph.gradOf(a), i, aRows, aCols);
                    if (transposeA) {
                        LinearAlgebra.gemm(transposeB, true, 1f, bm, gm, 1f, ga);
                    } else {
                        LinearAlgebra.gemm(false, !transposeB, 1f, gm, bm, 1f, ga);
                    }
                }
                if (b.requiresGrad()) {
                    Matrix gb = slice(graph.gradOf(b), i, bRows, bCols);
                    if (transposeB) {
                        LinearAlgebra.gemm(true, transposeA, 1f, gm, am, 1f, gb);
                    } else {
                        LinearAlgebra.gemm(!transposeA, false, 1f, am, gm, 1f, gb);
                    }
                }
            }
        }, a, b);
    }

    static Matrix matrix(Tensor tensor) {
        return new Matrix(tensor.shape().dim(0), tensor.shape().dim(1), tensor.data());
    }

    /** The i-th [rows, cols] matrix of a tensor holding a batch of them. */
    static Matrix slice(Tensor tensor, long index, long rows, long cols) {
        long bytes = rows * cols * 4;
        return new Matrix(rows, cols, tensor.data().asSlice(index * bytes, bytes));
    }
}
