package amalgam.linalg;

import java.lang.foreign.Arena;

/**
 * Dense linear algebra on row-major float32 matrices, backed by OpenBLAS / LAPACK. Results are allocated in the
 * caller's arena; inputs are never modified.
 */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /** C = alpha * op(A) op(B) + beta * C, op = transpose when the flag is set. */
    public static void gemm(boolean transposeA, boolean transposeB, float alpha, Matrix a, Matrix b, float beta, Matrix c) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** A B as a new matrix. */
    public static Matrix multiply(Arena arena, Matrix a, Matrix b) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** Thin SVD (LAPACK gesdd). */
    public static Svd svd(Arena arena, Matrix a) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** Symmetric eigen-decomposition (LAPACK syevd); only the lower triangle is read. */
    public static SymmetricEigen symmetricEigen(Arena arena, Matrix a) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** Thin QR (LAPACK geqrf + orgqr). */
    public static Qr qr(Arena arena, Matrix a) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** X with A X = B for square A (LAPACK gesv); a singular A is an error. */
    public static Matrix solve(Arena arena, Matrix a, Matrix b) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** Moore-Penrose pseudo-inverse via SVD; singular values <= rcond * max(S) are treated as zero. */
    public static Matrix pseudoInverse(Arena arena, Matrix a, float rcond) {
        throw new UnsupportedOperationException("not built yet");
    }

    /** Threads OpenBLAS may use (set once from the engine's --threads). */
    public static void setThreads(int threads) {
        throw new UnsupportedOperationException("not built yet");
    }
}
