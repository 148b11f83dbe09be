package amalgam.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The four Moore-Penrose conditions on a rank-deficient matrix. */
class PseudoInverseTest {
    @Test
    void rankDeficientMatrixSatisfiesMoorePenrose() {
        try (Arena arena = Arena.ofConfined()) {
            int m = 7;
            int n = 5;
            // A = X Y with X [7,3] and Y [3,5]: rank 3 of 5. Its two zero singular values come out of float32
            // round-off at ~1e-7 * max(S); rcond = 1e-4 cuts them, keeping the three real ones (all O(1)).
            Matrix a = LinearAlgebra.multiply(arena, Matrices.random(arena, m, 3, 1), Matrices.random(arena, 3, n, 2));
            Matrix pinv = LinearAlgebra.pseudoInverse(arena, a, 1e-4f);
            assertEquals(n, pinv.rows());
            assertEquals(m, pinv.cols());
            double[][] x = Matrices.toArray(a);
            double[][] p = Matrices.toArray(pinv);
            double[][] xp = Matrices.multiply(x, p, m, n, m);  // A A+ [m,m]
            double[][] px = Matrices.multiply(p, x, n, m, n);  // A+ A [n,n]
            double tolerance = 10 * Matrices.F32_TOLERANCE; // products of three float32 factors, conditioned ~ s1 / s3
            double scaleA = Matrices.frobenius(x);
            double scaleP = Matrices.frobenius(p);
            assertTrue(Matrices.maxDifference(Matrices.multiply(xp, x, m, m, n), x) < tolerance * scaleA, "A A+ A != A");
            assertTrue(Matrices.maxDifference(Matrices.multiply(px, p, n, n, m), p) < tolerance * scaleP, "A+ A A+ != A+");
            assertTrue(Matrices.maxDifference(xp, Matrices.transpose(xp, m)) < tolerance, "A A+ not symmetric");
            assertTrue(Matrices.maxDifference(px, Matrices.transpose(px, n)) < tolerance, "A+ A not symmetric");
        }
    }

    @Test
    void zeroAndEmptyMatrices() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix zero = LinearAlgebra.pseudoInverse(arena, Matrix.allocate(arena, 3, 2), 1e-6f);
            assertEquals(0, Matrices.frobenius(Matrices.toArray(zero)));
            Matrix empty = LinearAlgebra.pseudoInverse(arena, Matrix.allocate(arena, 0, 4), 1e-6f);
            assertEquals(4, empty.rows());
            assertEquals(0, empty.cols());
            assertThrows(IllegalArgumentException.class,
                    () -> LinearAlgebra.pseudoInverse(arena, Matrix.allocate(arena, 2, 2), -1));
        }
    }

    @Test
    void doublePseudoInverseOfAnInvertibleMatrixIsItsInverse() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 6;
            MatrixD a = MatrixD.copyOf(arena, SolveTest.wellConditioned(arena, n, 9));
            MatrixD pinv = LinearAlgebra.pseudoInverse(arena, a, 1e-12);
            double[][] product = Matrices.multiply(Matrices.toArray(a), Matrices.toArray(pinv), n, n, n);
            double[][] identity = new double[n][n];
            for (int i = 0; i < n; i++) {
                identity[i][i] = 1;
            }
            assertTrue(Matrices.maxDifference(product, identity) < n * Matrices.F64_TOLERANCE);
        }
    }
}
