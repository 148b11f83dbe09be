package amalgam.linalg;

import java.lang.foreign.Arena;

/**
 * Dense linear algebra on row-major float32 matrices ({@link Matrix}) and float64 matrices ({@link MatrixD}), backed by
 * OpenBLAS / LAPACK through JavaCPP. Results are allocated in the caller's arena; inputs are never modified.
 *
 * <p>Operands are passed to native code by address, without copies. LAPACK routines overwrite their input, so each
 * one works on a copy (in the result matrix when it has the right shape, else in a scratch arena closed on return).
 * A heap segment (e.g. {@code MemorySegment.ofArray}) cannot be addressed by native code and is copied once into a
 * confined scratch arena; pass off-heap segments to avoid that copy.
 *
 * <p>Zero-size matrices are accepted everywhere and give empty results. Failures reported by LAPACK (singular
 * matrix, no convergence) throw {@link LinearAlgebraException}; bad shapes throw {@link IllegalArgumentException}.
 * All dimensions must fit in 32 bits (the BLAS/LAPACK interface).
 *
 * <p>The native library is loaded once, when this class initialises; {@link #backend()} describes it for provenance.
 */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /** Describes the native backend for provenance, e.g. "OpenBLAS 0.3.30 Haswell (2 threads)". */
    public static String backend() {
        return OpenBlas.backend();
    }

    /**
     * Runs {@code work} with OpenBLAS using {@code threads} threads, for work that leaves the cores to BLAS (a
     * product too big for one core while nothing else runs). Without it BLAS uses one thread: the engine's workers
     * and evaluation lanes already occupy the cores. Overlapping calls share the first one's count (OpenBLAS has one
     * per process); results never depend on it.
     */
    public static <T> T withThreads(int threads, java.util.function.Supplier<T> work) {
        return BlasThreads.with(threads, work);
    }

    /** As {@link #withThreads(int, java.util.function.Supplier)}, as a scope to close when the work is done. */
    public static BlasThreads useThreads(int threads) {
        return BlasThreads.open(threads);
    }

    /** As {@link #withThreads(int, java.util.function.Supplier)} for work without a result. */
    public static void withThreads(int threads, Runnable work) {
        BlasThreads.with(threads, () -> {
            work.run();
            return null;
        });
    }

    /** The number of threads OpenBLAS currently uses. */
    public static int threads() {
        return OpenBlas.threads();
    }

    /** Seconds spent in BLAS calls (gemm) since start or the last {@link #resetTimers()}, summed over threads. */
    public static double blasSeconds() {
        return NativeTime.blasSeconds();
    }

    /** Seconds spent in LAPACK calls (SVD, eigen, QR, solve, pseudo-inverse), summed over threads. */
    public static double lapackSeconds() {
        return NativeTime.lapackSeconds();
    }

    public static void resetTimers() {
        NativeTime.reset();
    }

    // ---- float32 ----

    /**
     * C = alpha * op(A) op(B) + beta * C, op = transpose when the flag is set; op(A) [m,k], op(B) [k,n], C [m,n].
     * C is updated in place and must not overlap A or B. With beta = 0, C's previous contents are ignored.
     */
    public static void gemm(boolean transposeA, boolean transposeB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        NativeTime.blas(() -> SinglePrecision.gemm(transposeA, transposeB, alpha, a, b, beta, c));
    }

    /** A B as a new matrix [A.rows, B.cols]. */
    public static Matrix multiply(Arena arena, Matrix a, Matrix b) {
        Matrix c = Matrix.allocate(arena, a.rows(), b.cols());
        gemm(false, false, 1, a, b, 0, c);
        return c;
    }

    /** Thin SVD A = U diag(S) Vt (LAPACK gesdd): k = min(m, n), U [m,k], S [k] descending, Vt [k,n]. */
    public static Svd svd(Arena arena, Matrix a) {
        return NativeTime.lapack(() -> SinglePrecision.svd(arena, a));
    }

    /**
     * Symmetric eigen-decomposition A = V diag(w) V^T (LAPACK syevd); only the lower triangle is read. Eigenvalues
     * ascending; eigenvector i is column i of V.
     */
    public static SymmetricEigen symmetricEigen(Arena arena, Matrix a) {
        return NativeTime.lapack(() -> SinglePrecision.symmetricEigen(arena, a));
    }

    /** Thin QR A = Q R (LAPACK geqrf + orgqr): k = min(m, n), Q [m,k] orthonormal columns, R [k,n] upper triangular. */
    public static Qr qr(Arena arena, Matrix a) {
        return NativeTime.lapack(() -> SinglePrecision.qr(arena, a));
    }

    /**
     * X with A X = B for square A [n,n] and B [n,nrhs] (LAPACK gesv, LU with partial pivoting). A singular A is an
     * error: an exactly zero pivot, or a reciprocal condition number (1-norm estimate, gecon) below float32 round-off,
     * where the solution would have no correct digits.
     */
    public static Matrix solve(Arena arena, Matrix a, Matrix b) {
        return NativeTime.lapack(() -> SinglePrecision.solve(arena, a, b));
    }

    /**
     * Moore-Penrose pseudo-inverse [n,m] of A [m,n] via SVD: A+ = V diag(1/S) U^T, where singular values
     * {@code <= rcond * max(S)} are treated as zero (numpy's convention; e.g. rcond = max(m, n) * 6e-8 for float32).
     */
    public static Matrix pseudoInverse(Arena arena, Matrix a, float rcond) {
        return NativeTime.lapack(() -> SinglePrecision.pseudoInverse(arena, a, rcond));
    }

    // ---- float64 ----

    /** C = alpha * op(A) op(B) + beta * C in float64; same contract as the float32 {@code gemm}. */
    public static void gemm(boolean transposeA, boolean transposeB, double alpha, MatrixD a, MatrixD b, double beta,
            MatrixD c) {
        NativeTime.blas(() -> DoublePrecision.gemm(transposeA, transposeB, alpha, a, b, beta, c));
    }

    /** A B as a new float64 matrix [A.rows, B.cols]. */
    public static MatrixD multiply(Arena arena, MatrixD a, MatrixD b) {
        MatrixD c = MatrixD.allocate(arena, a.rows(), b.cols());
        gemm(false, false, 1, a, b, 0, c);
        return c;
    }

    /** Thin SVD in float64 (LAPACK dgesdd); same contract as the float32 {@code svd}. */
    public static SvdD svd(Arena arena, MatrixD a) {
        return NativeTime.lapack(() -> DoublePrecision.svd(arena, a));
    }

    /** Symmetric eigen-decomposition in float64 (LAPACK dsyevd); same contract as the float32 version. */
    public static SymmetricEigenD symmetricEigen(Arena arena, MatrixD a) {
        return NativeTime.lapack(() -> DoublePrecision.symmetricEigen(arena, a));
    }

    /** Thin QR in float64 (LAPACK dgeqrf + dorgqr); same contract as the float32 {@code qr}. */
    public static QrD qr(Arena arena, MatrixD a) {
        return NativeTime.lapack(() -> DoublePrecision.qr(arena, a));
    }

    /** X with A X = B in float64 (LAPACK dgesv); same contract as the float32 {@code solve}. */
    public static MatrixD solve(Arena arena, MatrixD a, MatrixD b) {
        return NativeTime.lapack(() -> DoublePrecision.solve(arena, a, b));
    }

    /** Moore-Penrose pseudo-inverse in float64; same contract as the float32 version. */
    public static MatrixD pseudoInverse(Arena arena, MatrixD a, double rcond) {
        return NativeTime.lapack(() -> DoublePrecision.pseudoInverse(arena, a, rcond));
    }
}
