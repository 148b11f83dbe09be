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
            // Rank 1 with entries that round in float32: the pivot is tiny but not exactly zero.
            int n = 5;
            Matrix a = Matrix.allocate(arena, n, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a.set(i, j, (float) ((i + 1) * 0.1 * (j + 1) * 0.7));
                }
            }
            var error = assertThrows(LinearAlgebraException.class,
                    () -> LinearAlgebra.solve(arena, a, Matrices.random(arena, n, 2, 1)));
            assertTrue(error.getMessage().contains("singular"), error.getMessage());
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
