package amalgam.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Thin SVD: reconstruction, orthonormal factors, descending values, known spectra, tall / wide / empty shapes. */
class SvdTest {
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "1, 9", "9, 1", "17, 17", "64, 23", "23, 64", "100, 37"})
    void reconstructsWithOrthonormalFactors(int m, int n) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrices.random(arena, m, n, 31L * m + n);
            Svd svd = LinearAlgebra.svd(arena, a);
            int k = Math.min(m, n);
            assertEquals(m, svd.u().rows());
            assertEquals(k, svd.u().cols());
            assertEquals(k, svd.vt().rows());
            assertEquals(n, svd.vt().cols());
            assertEquals(k, svd.singularValues().length);
            float[] s = svd.singularValues();
            for (int i = 1; i < k; i++) {
                assertTrue(s[i - 1] >= s[i], "descending at " + i);
            }
            assertTrue(s[k - 1] >= 0);

            double[][] u = Matrices.toArray(svd.u());
            double[][] vt = Matrices.toArray(svd.vt());
            double[][] reconstructed = Matrices.multiply(Matrices.scaleColumns(u, Matrices.toDoubles(s)), vt, m, k, n);
            double[][] original = Matrices.toArray(a);
            double relative = Matrices.frobenius(difference(original, reconstructed)) / Matrices.frobenius(original);
            assertTrue(relative < Matrices.F32_TOLERANCE, "relative reconstruction error " + relative);
            assertTrue(Matrices.orthonormalityError(u, m, k) < Matrices.F32_TOLERANCE, "U^T U != I");
            assertTrue(Matrices.orthonormalityError(Matrices.transpose(vt, n), n, k) < Matrices.F32_TOLERANCE, "V^T V != I");
        }
    }

    @Test
    void diagonalMatrixGivesSortedAbsoluteDiagonal() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, 4, 3);
            a.set(0, 0, 2);
            a.set(1, 1, -7);
            a.set(2, 2, 0.5f);
            Svd svd = LinearAlgebra.svd(arena, a);
            assertArrayEquals(new float[] {7, 2, 0.5f}, svd.singularValues(), 7 * 1e-6f);
        }
    }

    @Test
    void rankOneMatrixHasOneSingularValue() {
        try (Arena arena = Arena.ofConfined()) {
            // A = x y^T with |x| = 3 (x = [1, 2, 2]) and |y| = 5 (y = [3, 4, 0, 0]): S = [15, 0, 0].
            float[] x = {1, 2, 2};
            float[] y = {3, 4, 0, 0};
            Matrix a = Matrix.allocate(arena, 3, 4);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    a.set(i, j, x[i] * y[j]);
                }
            }
            float[] s = LinearAlgebra.svd(arena, a).singularValues();
            assertEquals(15, s[0], 15 * 1e-6);
            assertEquals(0, s[1], 15 * 1e-6);
            assertEquals(0, s[2], 15 * 1e-6);
        }
    }

    @Test
    void emptyMatrixGivesEmptyFactors() {
        try (Arena arena = Arena.ofConfined()) {
            Svd wide = LinearAlgebra.svd(arena, Matrix.allocate(arena, 0, 5));
            assertEquals(0, wide.singularValues().length);
            assertEquals(0, wide.u().cols());
            assertEquals(5, wide.vt().cols());
            Svd tall = LinearAlgebra.svd(arena, Matrix.allocate(arena, 4, 0));
            assertEquals(4, tall.u().rows());
            assertEquals(0, tall.vt().rows());
        }
    }

    @Test
    void inputIsNotModified() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrices.random(arena, 6, 4, 3);
            double[][] before = Matrices.toArray(a);
            LinearAlgebra.svd(arena, a);
            assertEquals(0, Matrices.maxDifference(before, Matrices.toArray(a)));
        }
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"40, 15", "15, 40", "30, 30"})
    void doublePrecisionReconstructs(int m, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MatrixD a = Matrices.randomD(arena, m, n, 5);
            SvdD svd = LinearAlgebra.svd(arena, a);
            int k = Math.min(m, n);
            double[][] u = Matrices.toArray(svd.u());
            double[][] vt = Matrices.toArray(svd.vt());
            double[][] reconstructed = Matrices.multiply(Matrices.scaleColumns(u, svd.singularValues()), vt, m, k, n);
            double[][] original = Matrices.toArray(a);
            double relative = Matrices.frobenius(difference(original, reconstructed)) / Matrices.frobenius(original);
            assertTrue(relative < Matrices.F64_TOLERANCE, "relative reconstruction error " + relative);
            assertTrue(Matrices.orthonormalityError(u, m, k) < Matrices.F64_TOLERANCE);
            assertTrue(Matrices.orthonormalityError(Matrices.transpose(vt, n), n, k) < Matrices.F64_TOLERANCE);
            for (int i = 1; i < k; i++) {
                assertTrue(svd.singularValues()[i - 1] >= svd.singularValues()[i]);
            }
            assertEquals(0, LinearAlgebra.svd(arena, MatrixD.allocate(arena, 0, 3)).singularValues().length);
        }
    }

    static double[][] difference(double[][] a, double[][] b) {
        double[][] result = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            result[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                result[i][j] = a[i][j] - b[i][j];
            }
        }
        return result;
    }
}
