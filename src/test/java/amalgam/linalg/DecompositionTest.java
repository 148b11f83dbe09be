package amalgam.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Symmetric eigen-decomposition (A v = lambda v) and thin QR (reconstruct, orthonormal Q, triangular R). */
class DecompositionTest {
    /** A random symmetric matrix M + M^T. */
    static Matrix symmetric(Arena arena, int n, long seed) {
        Matrix m = Matrices.random(arena, n, n, seed);
        Matrix s = Matrix.allocate(arena, n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s.set(i, j, m.get(i, j) + m.get(j, i));
            }
        }
        return s;
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 2, 9, 48})
    void eigenpairsSatisfyAvEqualsLambdaV(int n) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = symmetric(arena, n, n);
            SymmetricEigen eigen = LinearAlgebra.symmetricEigen(arena, a);
            float[] lambda = eigen.eigenvalues();
            double[][] v = Matrices.toArray(eigen.eigenvectors());
            double[][] av = Matrices.multiply(Matrices.toArray(a), v, n, n, n);
            double[][] vLambda = Matrices.scaleColumns(v, Matrices.toDoubles(lambda));
            double norm = Matrices.frobenius(Matrices.toArray(a));
            assertTrue(Matrices.maxDifference(av, vLambda) < Matrices.F32_TOLERANCE * norm, "A V != V diag(lambda)");
            assertTrue(Matrices.orthonormalityError(v, n, n) < Matrices.F32_TOLERANCE);
            for (int i = 1; i < n; i++) {
                assertTrue(lambda[i - 1] <= lambda[i], "ascending at " + i);
            }
        }
    }

    @Test
    void onlyTheLowerTriangleIsRead() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, 2, 2); // [[2, garbage], [1, 2]] is read as [[2, 1], [1, 2]]: 1 and 3
            a.set(0, 0, 2);
            a.set(0, 1, 1000);
            a.set(1, 0, 1);
            a.set(1, 1, 2);
            float[] lambda = LinearAlgebra.symmetricEigen(arena, a).eigenvalues();
            assertEquals(1, lambda[0], 1e-6);
            assertEquals(3, lambda[1], 1e-6);
            assertEquals(0, LinearAlgebra.symmetricEigen(arena, Matrix.allocate(arena, 0, 0)).eigenvalues().length);
        }
    }

    @Test
    void doubleEigenpairs() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 20;
            MatrixD a = MatrixD.copyOf(arena, symmetric(arena, n, 3));
            SymmetricEigenD eigen = LinearAlgebra.symmetricEigen(arena, a);
            double[][] v = Matrices.toArray(eigen.eigenvectors());
            double[][] av = Matrices.multiply(Matrices.toArray(a), v, n, n, n);
            assertTrue(Matrices.maxDifference(av, Matrices.scaleColumns(v, eigen.eigenvalues())) < n * Matrices.F64_TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "5, 1", "1, 5", "20, 20", "50, 13", "13, 50"})
    void qrReconstructsWithOrthonormalQAndTriangularR(int m, int n) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrices.random(arena, m, n, 7L * m + n);
            Qr qr = LinearAlgebra.qr(arena, a);
            int k = Math.min(m, n);
            assertEquals(m, qr.q().rows());
            assertEquals(k, qr.q().cols());
            assertEquals(k, qr.r().rows());
            assertEquals(n, qr.r().cols());
            double[][] q = Matrices.toArray(qr.q());
            double[][] r = Matrices.toArray(qr.r());
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < i; j++) {
                    assertEquals(0, r[i][j], "R[" + i + "," + j + "] below the diagonal");
                }
            }
            double[][] original = Matrices.toArray(a);
            double error = Matrices.maxDifference(Matrices.multiply(q, r, m, k, n), original);
            assertTrue(error < Matrices.F32_TOLERANCE * Matrices.frobenius(original), "QR != A by " + error);
            assertTrue(Matrices.orthonormalityError(q, m, k) < Matrices.F32_TOLERANCE, "Q^T Q != I");
        }
    }

    @Test
    void qrOfEmptyAndDoubleMatrices() {
        try (Arena arena = Arena.ofConfined()) {
            Qr empty = LinearAlgebra.qr(arena, Matrix.allocate(arena, 0, 4));
            assertEquals(0, empty.q().cols());
            assertEquals(4, empty.r().cols());

            MatrixD a = Matrices.randomD(arena, 9, 6, 4);
            QrD qr = LinearAlgebra.qr(arena, a);
            double[][] product = Matrices.multiply(Matrices.toArray(qr.q()), Matrices.toArray(qr.r()), 9, 6, 6);
            assertTrue(Matrices.maxDifference(product, Matrices.toArray(a)) < Matrices.F64_TOLERANCE);
            assertTrue(Matrices.orthonormalityError(Matrices.toArray(qr.q()), 9, 6) < Matrices.F64_TOLERANCE);
        }
    }
}
