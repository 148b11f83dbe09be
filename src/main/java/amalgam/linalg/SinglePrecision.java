package amalgam.linalg;

import static amalgam.linalg.MatrixChecks.requireDisjoint;
import static amalgam.linalg.MatrixChecks.requireSquare;
import static amalgam.linalg.MatrixChecks.requireWritable;
import static amalgam.linalg.OpenBlas.check;
import static amalgam.linalg.OpenBlas.dimension;
import static amalgam.linalg.OpenBlas.floats;
import static amalgam.linalg.OpenBlas.ints;
import static amalgam.linalg.OpenBlas.leading;
import static amalgam.linalg.OpenBlas.offHeap;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The float32 kernels behind {@link LinearAlgebra}: one BLAS/LAPACK call each, with shape checks before and the
 * {@code info} code checked after. LAPACK overwrites its input, so every routine first copies the input into a
 * workspace — the result matrix itself where its shape allows, else a confined scratch arena freed on return.
 */
final class SinglePrecision {
    /** Float32 unit round-off; a reciprocal condition number below it means no correct digits in a solve. */
    static final float EPSILON = Math.ulp(1.0f) / 2;

    /**
     * The size of B from which a single-row product runs as a matrix-vector product: below it (attention's per-head
     * products, say) sgemm's own small-matrix path is faster than sgemv's threading.
     */
    static final long MATRIX_VECTOR_MIN_ELEMENTS = 1L << 16;

    private SinglePrecision() {
    }

    static void gemm(boolean transposeA, boolean transposeB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        long m = transposeA ? a.cols() : a.rows();
        long k = transposeA ? a.rows() : a.cols();
        long kB = transposeB ? b.cols() : b.rows();
        long n = transposeB ? b.rows() : b.cols();
        if (k != kB || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm: op(A) is [" + m + ", " + k + "] (A " + a.rows() + "x" + a.cols()
                    + (transposeA ? ", transposed" : "") + "), op(B) is [" + kB + ", " + n + "] (B " + b.rows() + "x"
                    + b.cols() + (transposeB ? ", transposed" : "") + "), C is [" + c.rows() + ", " + c.cols() + "]");
        }
        requireWritable("gemm output C", c.data());
        requireDisjoint("gemm", c.data(), a.data(), "A");
        requireDisjoint("gemm", c.data(), b.data(), "B");
        int mi = dimension("m", m);
        int ni = dimension("n", n);
        int ki = dimension("k", k);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) { // op(A) op(B) is an empty sum: C = beta C (BLAS would reject the leading dimensions)
            scale(c.data(), beta);
            return;
        }
        if (m == 1 && k * n >= MATRIX_VECTOR_MIN_ELEMENTS) {
            rowTimesMatrix(transposeB, alpha, a, b, beta, c, ni, ki);
            return;
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment out = offHeap(scratch, c.data());
            openblas.cblas_sgemm(openblas.CblasRowMajor,
                    transposeA ? openblas.CblasTrans : openblas.CblasNoTrans,
                    transposeB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    mi, ni, ki, alpha,
                    floats(offHeap(scratch, a.data())), leading(a.cols()),
                    floats(offHeap(scratch, b.data())), leading(b.cols()),
                    beta, floats(out), leading(n));
            if (out != c.data()) {
                c.data().copyFrom(out);
            }
        }
    }

    /**
     * C [1, n] = alpha x op(B) + beta C for a single row x (op(A) with m = 1: its k values are contiguous whether A is
     * [1, k] or a transposed [k, 1]), as a matrix-vector product: a token at a time through a language model's
     * layers, where sgemm's packing of B costs as much as the product and the product is bound by reading B once.
     */
    private static void rowTimesMatrix(boolean transposeB, float alpha, Matrix a, Matrix b, float beta, Matrix c, int n, int k) {
        if (beta == 0) {
            c.data().fill((byte) 0); // the contract ignores C's contents at beta 0; BLAS would still read a NaN there
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment out = offHeap(scratch, c.data());
            // op(B) x^T: B [n, k] transposed is B x (NoTrans); B [k, n] is B^T x (Trans)
            openblas.cblas_sgemv(openblas.CblasRowMajor, transposeB ? openblas.CblasNoTrans : openblas.CblasTrans,
                    transposeB ? n : k, transposeB ? k : n, alpha, floats(offHeap(scratch, b.data())), leading(b.cols()),
                    floats(offHeap(scratch, a.data())), 1, beta, floats(out), 1);
            if (out != c.data()) {
                c.data().copyFrom(out);
            }
        }
    }

    static Svd svd(Arena arena, Matrix a) {
        int m = dimension("rows", a.rows());
        int n = dimension("cols", a.cols());
        int k = Math.min(m, n);
        Matrix u = Matrix.allocate(arena, m, k);
        Matrix vt = Matrix.allocate(arena, k, n);
        float[] singularValues = new float[k];
        if (k == 0) {
            return new Svd(u, singularValues, vt);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment work = scratch.allocate(a.data().byteSize(), 64).copyFrom(a.data());
            MemorySegment s = scratch.allocate((long) k * Float.BYTES, 64);
            int info = openblas.LAPACKE_sgesdd(openblas.LAPACK_ROW_MAJOR, (byte) 'S', m, n, floats(work), leading(n),
                    floats(s), floats(u.data()), leading(k), floats(vt.data()), leading(n));
            check("sgesdd", info, "SVD of a " + m + "x" + n + " matrix did not converge (divide and conquer failed)");
            MemorySegment.copy(s, ValueLayout.JAVA_FLOAT, 0, singularValues, 0, k);
        }
        return new Svd(u, singularValues, vt);
    }

    static SymmetricEigen symmetricEigen(Arena arena, Matrix a) {
        int n = requireSquare("symmetricEigen", a.rows(), a.cols());
        // The eigenvector matrix is the workspace: syevd overwrites its input with the eigenvectors.
        Matrix vectors = Matrix.allocate(arena, n, n);
        vectors.data().copyFrom(a.data());
        float[] eigenvalues = new float[n];
        if (n == 0) {
            return new SymmetricEigen(eigenvalues, vectors);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment w = scratch.allocate((long) n * Float.BYTES, 64);
            int info = openblas.LAPACKE_ssyevd(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'L', n,
                    floats(vectors.data()), leading(n), floats(w));
            check("ssyevd", info, "eigen-decomposition of a " + n + "x" + n + " matrix did not converge");
            MemorySegment.copy(w, ValueLayout.JAVA_FLOAT, 0, eigenvalues, 0, n);
        }
        return new SymmetricEigen(eigenvalues, vectors);
    }

    static Qr qr(Arena arena, Matrix a) {
        int m = dimension("rows", a.rows());
        int n = dimension("cols", a.cols());
        int k = Math.min(m, n);
        Matrix q = Matrix.allocate(arena, m, k);
        Matrix r = Matrix.allocate(arena, k, n);
        if (k == 0) {
            return new Qr(q, r);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment work = scratch.allocate(a.data().byteSize(), 64).copyFrom(a.data()); // [m, n]
            MemorySegment tau = scratch.allocate((long) k * Float.BYTES, 64);
            FloatPointer workPointer = floats(work);
            check("sgeqrf", openblas.LAPACKE_sgeqrf(openblas.LAPACK_ROW_MAJOR, m, n, workPointer, leading(n), floats(tau)),
                    "QR factorisation failed");
            long rowBytes = (long) n * Float.BYTES;
            for (long i = 0; i < k; i++) { // R = upper triangle of the first k rows
                MemorySegment.copy(work, i * rowBytes + i * Float.BYTES, r.data(), i * rowBytes + i * Float.BYTES,
                        (n - i) * Float.BYTES);
            }
            check("sorgqr", openblas.LAPACKE_sorgqr(openblas.LAPACK_ROW_MAJOR, m, k, k, workPointer, leading(n), floats(tau)),
                    "forming Q failed");
            long qRowBytes = (long) k * Float.BYTES;
            for (long i = 0; i < m; i++) { // Q = the first k columns
                MemorySegment.copy(work, i * rowBytes, q.data(), i * qRowBytes, qRowBytes);
            }
        }
        return new Qr(q, r);
    }

    static Matrix solve(Arena arena, Matrix a, Matrix b) {
        int n = requireSquare("solve", a.rows(), a.cols());
        if (b.rows() != n) {
            throw new IllegalArgumentException("solve: A is " + n + "x" + n + " but B is " + b.rows() + "x" + b.cols()
                    + " (B needs " + n + " rows)");
        }
        int nrhs = dimension("right-hand sides", b.cols());
        // X is the workspace for B: gesv overwrites the right-hand sides with the solution.
        Matrix x = Matrix.allocate(arena, n, nrhs);
        x.data().copyFrom(b.data());
        if (n == 0 || nrhs == 0) {
            return x;
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment lu = scratch.allocate(a.data().byteSize(), 64).copyFrom(a.data());
            MemorySegment pivots = scratch.allocate((long) n * Integer.BYTES, 64);
            FloatPointer luPointer = floats(lu);
            float norm = openblas.LAPACKE_slange(openblas.LAPACK_ROW_MAJOR, (byte) '1', n, n, luPointer, leading(n));
            int info = openblas.LAPACKE_sgesv(openblas.LAPACK_ROW_MAJOR, n, nrhs, luPointer, leading(n), ints(pivots),
                    floats(x.data()), leading(nrhs));
            check("sgesv", info, "the " + n + "x" + n + " matrix A is singular: pivot U(" + info + "," + info
                    + ") is exactly zero");
            MemorySegment reciprocal = scratch.allocate(Float.BYTES, 64);
            check("sgecon", openblas.LAPACKE_sgecon(openblas.LAPACK_ROW_MAJOR, (byte) '1', n, luPointer, leading(n),
                    norm, floats(reciprocal)), "condition estimate failed");
            float rcond = reciprocal.get(ValueLayout.JAVA_FLOAT, 0);
            if (!(rcond >= EPSILON)) { // also catches NaN from non-finite input
                throw new LinearAlgebraException("sgecon", 0, "solve: the " + n + "x" + n
                        + " matrix A is singular to float32 precision (reciprocal condition number " + rcond
                        + " < " + EPSILON + ")");
            }
        }
        return x;
    }

    static Matrix pseudoInverse(Arena arena, Matrix a, float rcond) {
        if (!(rcond >= 0) || Float.isInfinite(rcond)) {
            throw new IllegalArgumentException("pseudoInverse: rcond must be finite and >= 0, got " + rcond);
        }
        Matrix result = Matrix.allocate(arena, a.cols(), a.rows()); // [n, m]
        if (a.rows() == 0 || a.cols() == 0) {
            return result;
        }
        try (Arena scratch = Arena.ofConfined()) {
            Svd svd = svd(scratch, a);
            float[] s = svd.singularValues();
            float cutoff = rcond * s[0];
            MemorySegment vt = svd.vt().data(); // [k, n]; row i becomes row i / s_i (or zero when s_i is cut off)
            long n = a.cols();
            for (int i = 0; i < s.length; i++) {
                float inverse = s[i] > cutoff ? 1 / s[i] : 0;
                for (long j = 0; j < n; j++) {
                    long index = i * n + j;
                    vt.setAtIndex(Layouts.F32, index, vt.getAtIndex(Layouts.F32, index) * inverse);
                }
            }
            gemm(true, true, 1, svd.vt(), svd.u(), 0, result); // V diag(1/s) U^T
        }
        return result;
    }

    private static void scale(MemorySegment data, float beta) {
        if (beta == 0) {
            data.fill((byte) 0);
            return;
        }
        long count = data.byteSize() / Float.BYTES;
        for (long i = 0; i < count; i++) {
            data.setAtIndex(Layouts.F32, i, data.getAtIndex(Layouts.F32, i) * beta);
        }
    }
}
