package amalgam.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** Linear solves: residual, singular matrices, shapes. */
class SolveTest {
    /** A random matrix plus n on the diagonal: diagonally dominant, so well conditioned. */
    static Matrix wellConditioned(Arena arena, int n, long seed) {
        Matrix a = Matrices.random(arena, n, n, seed);
        for (int i = 0; i < n; i++) {
            a.set(i, i, a.get(i, i) + n);
        }
        return a;
    }

    @Test
    void residualIsSmall() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 40;
            Matrix a = wellConditioned(arena, n, 1);
            Matrix b = Matrices.random(arena, n, 3, 2);
            Matrix x = LinearAlgebra.solve(arena, a, b);
            double[][] ax = Matrices.multiply(Matrices.toArray(a), Matrices.toArray(x), n, n, 3);
            // Backward stable: |A x - b| ~ n u |A| |x|; |A| ~ n here and |x| ~ 1/n, so the residual is ~ n u.
            assertTrue(Matrices.maxDifference(ax, Matrices.toArray(b)) < Matrices.F32_TOLERANCE, "residual too large");
        }
    }

    @Test
    void singularMatrixIsAClearError() {
        try (Arena arena = Arena.ofConfined()) {
            // Row 2 = 2 * row 1: elimination produces an exactly zero pivot.
            Matrix a = Matrices.fromArray(arena, new double[][] {{1, 2, 3}, {2, 4, 6}, {1, 0, 1}}, 3);
            var error = assertThrows(LinearAlgebraException.class,
                    () -> LinearAlgebra.solve(arena, a, Matrices.random(arena, 3, 1, 1)));
            assertTrue(error.getMessage().contains("singular"), error.getMessage());
            assertEquals("sgesv", error.routine());
        }
    }

    @Test
    void numericallySingularMatrixIsAClearError() {
        try (Arena arena = Arena.ofConfined()) {
            // [[1, 1], [1, 1 + 2^-23]]: the last pivot is 2^-23, not zero, but the reciprocal condition number is
            // 2^-23 / (2 + 2^-23)^2 ~ 3e-8, below float32 round-off 2^-24 ~ 6e-8: no digit of X would be reliable.
            Matrix a = Matrices.fromArray(arena, new double[][] {{1, 1}, {1, 1 + Math.scalb(1.0, -23)}}, 2);
            var error = assertThrows(LinearAlgebraException.class,
                    () -> LinearAlgebra.solve(arena, a, Matrices.random(arena, 2, 1, 1)));
            assertTrue(error.getMessage().contains("singular to float32 precision"), error.getMessage());
            assertEquals("sgecon", error.routine());
            // Four times the gap (2^-21) is still solvable: rcond ~ 1.2e-7, just above round-off.
            Matrix nearly = Matrices.fromArray(arena, new double[][] {{1, 1}, {1, 1 + Math.scalb(1.0, -21)}}, 2);
            assertEquals(2, LinearAlgebra.solve(arena, nearly, Matrices.random(arena, 2, 1, 1)).rows());
        }
    }

    @Test
    void shapesAreChecked() {
        try (Arena arena = Arena.ofConfined()) {
            var notSquare = assertThrows(IllegalArgumentException.class,
                    () -> LinearAlgebra.solve(arena, Matrix.allocate(arena, 2, 3), Matrix.allocate(arena, 2, 1)));
            assertTrue(notSquare.getMessage().contains("2x3"), notSquare.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> LinearAlgebra.solve(arena, Matrix.allocate(arena, 2, 2), Matrix.allocate(arena, 3, 1)));
            Matrix empty = LinearAlgebra.solve(arena, Matrix.allocate(arena, 0, 0), Matrix.allocate(arena, 0, 4));
            assertEquals(0, empty.rows());
            assertEquals(4, empty.cols());
        }
    }

    @Test
    void doubleSolve() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 30;
            MatrixD a = MatrixD.copyOf(arena, wellConditioned(arena, n, 3));
            MatrixD b = Matrices.randomD(arena, n, 2, 4);
            MatrixD x = LinearAlgebra.solve(arena, a, b);
            double[][] ax = Matrices.multiply(Matrices.toArray(a), Matrices.toArray(x), n, n, 2);
            assertTrue(Matrices.maxDifference(ax, Matrices.toArray(b)) < Matrices.F64_TOLERANCE);
            MatrixD singular = MatrixD.allocate(arena, 2, 2);
            assertThrows(LinearAlgebraException.class, () -> LinearAlgebra.solve(arena, singular, MatrixD.allocate(arena, 2, 1)));
        }
    }
}
