package amalgam.linalg;

import static amalgam.linalg.MatrixChecks.requireDisjoint;
import static amalgam.linalg.MatrixChecks.requireSquare;
import static amalgam.linalg.MatrixChecks.requireWritable;
import static amalgam.linalg.OpenBlas.check;
import static amalgam.linalg.OpenBlas.dimension;
import static amalgam.linalg.OpenBlas.doubles;
import static amalgam.linalg.OpenBlas.ints;
import static amalgam.linalg.OpenBlas.leading;
import static amalgam.linalg.OpenBlas.offHeap;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The float64 kernels behind {@link LinearAlgebra}: one BLAS/LAPACK call each, with shape checks before and the
 * {@code info} code checked after. LAPACK overwrites its input, so every routine first copies the input into a
 * workspace — the result matrix itself where its shape allows, else a confined scratch arena freed on return.
 */
final class DoublePrecision {
    /** Float64 unit round-off; a reciprocal condition number below it means no correct digits in a solve. */
    static final double EPSILON = Math.ulp(1.0) / 2;

    private DoublePrecision() {
    }

    static void gemm(boolean transposeA, boolean transposeB, double alpha, MatrixD a, MatrixD b, double beta, MatrixD c) {
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
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment out = offHeap(scratch, c.data());
            openblas.cblas_dgemm(openblas.CblasRowMajor,
                    transposeA ? openblas.CblasTrans : openblas.CblasNoTrans,
                    transposeB ? openblas.CblasTrans : openblas.CblasNoTrans,
                    mi, ni, ki, alpha,
                    doubles(offHeap(scratch, a.data())), leading(a.cols()),
                    doubles(offHeap(scratch, b.data())), leading(b.cols()),
                    beta, doubles(out), leading(n));
            if (out != c.data()) {
                c.data().copyFrom(out);
            }
        }
    }

    static SvdD svd(Arena arena, MatrixD a) {
        int m = dimension("rows", a.rows());
        int n = dimension("cols", a.cols());
        int k = Math.min(m, n);
        MatrixD u = MatrixD.allocate(arena, m, k);
        MatrixD vt = MatrixD.allocate(arena, k, n);
        double[] singularValues = new double[k];
        if (k == 0) {
            return new SvdD(u, singularValues, vt);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment work = scratch.allocate(a.data().byteSize(), 64).copyFrom(a.data());
            MemorySegment s = scratch.allocate((long) k * Double.BYTES, 64);
            int info = openblas.LAPACKE_dgesdd(openblas.LAPACK_ROW_MAJOR, (byte) 'S', m, n, doubles(work), leading(n),
                    doubles(s), doubles(u.data()), leading(k), doubles(vt.data()), leading(n));
            check("dgesdd", info, "SVD of a " + m + "x" + n + " matrix did not converge (divide and conquer failed)");
            MemorySegment.copy(s, ValueLayout.JAVA_DOUBLE, 0, singularValues, 0, k);
        }
        return new SvdD(u, singularValues, vt);
    }

    static SymmetricEigenD symmetricEigen(Arena arena, MatrixD a) {
        int n = requireSquare("symmetricEigen", a.rows(), a.cols());
        // The eigenvector matrix is the workspace: syevd overwrites its input with the eigenvectors.
        MatrixD vectors = MatrixD.allocate(arena, n, n);
        vectors.data().copyFrom(a.data());
        double[] eigenvalues = new double[n];
        if (n == 0) {
            return new SymmetricEigenD(eigenvalues, vectors);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment w = scratch.allocate((long) n * Double.BYTES, 64);
            int info = openblas.LAPACKE_dsyevd(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'L', n,
                    doubles(vectors.data()), leading(n), doubles(w));
            check("dsyevd", info, "eigen-decomposition of a " + n + "x" + n + " matrix did not converge");
            MemorySegment.copy(w, ValueLayout.JAVA_DOUBLE, 0, eigenvalues, 0, n);
        }
        return new SymmetricEigenD(eigenvalues, vectors);
    }

    static QrD qr(Arena arena, MatrixD a) {
        int m = dimension("rows", a.rows());
        int n = dimension("cols", a.cols());
        int k = Math.min(m, n);
        MatrixD q = MatrixD.allocate(arena, m, k);
        MatrixD r = MatrixD.allocate(arena, k, n);
        if (k == 0) {
            return new QrD(q, r);
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment work = scratch.allocate(a.data().byteSize(), 64).copyFrom(a.data()); // [m, n]
            MemorySegment tau = scratch.allocate((long) k * Double.BYTES, 64);
            DoublePointer workPointer = doubles(work);
            check("dgeqrf", openblas.LAPACKE_dgeqrf(openblas.LAPACK_ROW_MAJOR, m, n, workPointer, leading(n), doubles(tau)),
                    "QR factorisation failed");
            long rowBytes = (long) n * Double.BYTES;
            for (long i = 0; i < k; i++) { // R = upper triangle of the first k rows
                MemorySegment.copy(work, i * rowBytes + i * Double.BYTES, r.data(), i * rowBytes + i * Double.BYTES,
                        (n - i) * Double.BYTES);
            }
            check("dorgqr", openblas.LAPACKE_dorgqr(openblas.LAPACK_ROW_MAJOR, m, k, k, workPointer, leading(n), doubles(tau)),
                    "forming Q failed");
            long qRowBytes = (long) k * Double.BYTES;
            for (long i = 0; i < m; i++) { // Q = the first k columns
                MemorySegment.copy(work, i * rowBytes, q.data(), i * qRowBytes, qRowBytes);
            }
        }
        return new QrD(q, r);
    }

    static MatrixD solve(Arena arena, MatrixD a, MatrixD b) {
        int n = requireSquare("solve", a.rows(), a.cols());
        if (b.rows() != n) {
            throw new IllegalArgumentException("solve: A is " + n + "x" + n + " but B is " + b.rows() + "x" + b.cols()
                    + " (B needs " + n + " rows)");
        }
        int nrhs = dimension("right-hand sides", b.cols());
        // X is the workspace for B: gesv overwrites the right-hand sides with the solution.
        MatrixD x = MatrixD.allocate(arena, n, nrhs);
        x.data().copyFrom(b.data());
        if (n == 0 || nrhs == 0) {
            return x;
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment lu = scratch.allocate(a.data().byteSize(), 64).copyFrom(a.data());
            MemorySegment pivots = scratch.allocate((long) n * Integer.BYTES, 64);
            DoublePointer luPointer = doubles(lu);
            double norm = openblas.LAPACKE_dlange(openblas.LAPACK_ROW_MAJOR, (byte) '1', n, n, luPointer, leading(n));
            int info = openblas.LAPACKE_dgesv(openblas.LAPACK_ROW_MAJOR, n, nrhs, luPointer, leading(n), ints(pivots),
                    doubles(x.data()), leading(nrhs));
            check("dgesv", info, "the " + n + "x" + n + " matrix A is singular: pivot U(" + info + "," + info
                    + ") is exactly zero");
            MemorySegment reciprocal = scratch.allocate(Double.BYTES, 64);
            check("dgecon", openblas.LAPACKE_dgecon(openblas.LAPACK_ROW_MAJOR, (byte) '1', n, luPointer, leading(n),
                    norm, doubles(reciprocal)), "condition estimate failed");
            double rcond = reciprocal.get(ValueLayout.JAVA_DOUBLE, 0);
            if (!(rcond >= EPSILON)) { // also catches NaN from non-finite input
                throw new LinearAlgebraException("dgecon", 0, "solve: the " + n + "x" + n
                        + " matrix A is singular to float64 precision (reciprocal condition number " + rcond
                        + " < " + EPSILON + ")");
            }
        }
        return x;
    }

    static MatrixD pseudoInverse(Arena arena, MatrixD a, double rcond) {
        if (!(rcond >= 0) || Double.isInfinite(rcond)) {
            throw new IllegalArgumentException("pseudoInverse: rcond must be finite and >= 0, got " + rcond);
        }
        MatrixD result = MatrixD.allocate(arena, a.cols(), a.rows()); // [n, m]
        if (a.rows() == 0 || a.cols() == 0) {
            return result;
        }
        try (Arena scratch = Arena.ofConfined()) {
            SvdD svd = svd(scratch, a);
            double[] s = svd.singularValues();
            double cutoff = rcond * s[0];
            MemorySegment vt = svd.vt().data(); // [k, n]; row i becomes row i / s_i (or zero when s_i is cut off)
            long n = a.cols();
            for (int i = 0; i < s.length; i++) {
                double inverse = s[i] > cutoff ? 1 / s[i] : 0;
                for (long j = 0; j < n; j++) {
                    long index = i * n + j;
                    vt.setAtIndex(Layouts.F64, index, vt.getAtIndex(Layouts.F64, index) * inverse);
                }
            }
            gemm(true, true, 1, svd.vt(), svd.u(), 0, result); // V diag(1/s) U^T
        }
        return result;
    }

    private static void scale(MemorySegment data, double beta) {
        if (beta == 0) {
            data.fill((byte) 0);
            return;
        }
        long count = data.byteSize() / Double.BYTES;
        for (long i = 0; i < count; i++) {
            data.setAtIndex(Layouts.F64, i, data.getAtIndex(Layouts.F64, i) * beta);
        }
    }
}
