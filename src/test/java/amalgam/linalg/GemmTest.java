package amalgam.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** gemm against the naive triple loop on odd shapes, both transposes, and 0/1 sizes. */
class GemmTest {
    static List<Arguments> shapes() {
        int[] sizes = {0, 1, 2, 7, 33};
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (int m : sizes) {
            for (int k : sizes) {
                for (int n : new int[] {0, 1, 5, 17}) {
                    for (int flags = 0; flags < 4; flags++) {
                        cases.add(Arguments.of(m, k, n, (flags & 1) != 0, (flags & 2) != 0, seed++));
                    }
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "[{0}x{1}] x [{1}x{2}] transA={3} transB={4}")
    @MethodSource("shapes")
    void matchesTripleLoop(int m, int k, int n, boolean transposeA, boolean transposeB, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = transposeA ? Matrices.random(arena, k, m, seed) : Matrices.random(arena, m, k, seed);
            Matrix b = transposeB ? Matrices.random(arena, n, k, seed + 1000) : Matrices.random(arena, k, n, seed + 1000);
            Matrix c = Matrices.random(arena, m, n, seed + 2000);
            float alpha = 1.5f;
            float beta = -0.5f;
            double[][] opA = transposeA ? Matrices.transpose(Matrices.toArray(a), m) : Matrices.toArray(a);
            double[][] opB = transposeB ? Matrices.transpose(Matrices.toArray(b), k) : Matrices.toArray(b);
            double[][] before = Matrices.toArray(c);

            LinearAlgebra.gemm(transposeA, transposeB, alpha, a, b, beta, c);

            // Per-entry bound: float32 dot products err by ~k*u times sum |a||b|, plus rounding of the update.
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = beta * before[i][j];
                    double scale = Math.abs(beta * before[i][j]);
                    for (int p = 0; p < k; p++) {
                        expected += alpha * opA[i][p] * opB[p][j];
                        scale += Math.abs(alpha * opA[i][p] * opB[p][j]);
                    }
                    assertEquals(expected, c.get(i, j), Matrices.F32_TOLERANCE * (scale + 1e-30),
                            "C[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void multiplyAllocatesTheProduct() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrices.random(arena, 9, 4, 7);
            Matrix b = Matrices.random(arena, 4, 6, 8);
            Matrix c = LinearAlgebra.multiply(arena, a, b);
            double[][] expected = Matrices.multiply(Matrices.toArray(a), Matrices.toArray(b), 9, 4, 6);
            assertEquals(9, c.rows());
            assertEquals(6, c.cols());
            assertTrue(Matrices.maxDifference(expected, Matrices.toArray(c)) < 4 * Matrices.F32_TOLERANCE);
        }
    }

    @Test
    void heapSegmentsAreCopiedAndTheResultWrittenBack() {
        float[] a = {1, 2, 3, 4, 5, 6};    // [2,3]
        float[] b = {1, 0, 0, 1, 1, 1};    // [3,2]
        float[] c = new float[4];          // [2,2]
        LinearAlgebra.gemm(false, false, 1, new Matrix(2, 3, MemorySegment.ofArray(a)),
                new Matrix(3, 2, MemorySegment.ofArray(b)), 0, new Matrix(2, 2, MemorySegment.ofArray(c)));
        assertEquals(4, c[0]);
        assertEquals(5, c[1]);
        assertEquals(10, c[2]);
        assertEquals(11, c[3]);
    }

    @Test
    void unalignedSlicesArePassedAtTheirOwnAddress() {
        try (Arena arena = Arena.ofConfined()) {
            // Safetensors data need not be aligned: view matrices 4 bytes into a larger segment.
            var backing = arena.allocate(4 + 3 * 4 * 4 + 4 * 2 * 4 + 3 * 2 * 4, 64);
            Matrix a = new Matrix(3, 4, backing.asSlice(4, 48));
            Matrix b = new Matrix(4, 2, backing.asSlice(52, 32));
            Matrix c = new Matrix(3, 2, backing.asSlice(84, 24));
            for (int i = 0; i < 12; i++) {
                a.set(i / 4, i % 4, i);
            }
            for (int i = 0; i < 8; i++) {
                b.set(i / 2, i % 2, i % 2 == 0 ? 1 : i);
            }
            LinearAlgebra.gemm(false, false, 1, a, b, 0, c);
            double[][] expected = Matrices.multiply(Matrices.toArray(a), Matrices.toArray(b), 3, 4, 2);
            assertEquals(0, Matrices.maxDifference(expected, Matrices.toArray(c)));
        }
    }

    @Test
    void closedArenaIsRejectedBeforeNativeCode() {
        Matrix a;
        try (Arena closed = Arena.ofConfined()) {
            a = Matrix.allocate(closed, 2, 2);
        }
        try (Arena arena = Arena.ofConfined()) {
            Matrix b = Matrix.allocate(arena, 2, 2);
            assertThrows(IllegalStateException.class,
                    () -> LinearAlgebra.gemm(false, false, 1, a, b, 0, Matrix.allocate(arena, 2, 2)));
        }
    }

    @Test
    void betaZeroIgnoresGarbageInC() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrices.random(arena, 3, 3, 1);
            Matrix b = Matrices.random(arena, 3, 3, 2);
            Matrix c = Matrix.allocate(arena, 3, 3);
            for (int i = 0; i < 9; i++) {
                c.set(i / 3, i % 3, Float.NaN);
            }
            LinearAlgebra.gemm(false, false, 1, a, b, 0, c);
            assertTrue(Float.isFinite(c.get(1, 1)));
            // a single row (the matrix-vector path), every transposition
            for (int flags = 0; flags < 4; flags++) {
                boolean transposeA = (flags & 1) != 0;
                boolean transposeB = (flags & 2) != 0;
                Matrix row = transposeA ? Matrices.random(arena, 3, 1, 3) : Matrices.random(arena, 1, 3, 3);
                Matrix out = Matrix.allocate(arena, 1, 3);
                for (int i = 0; i < 3; i++) {
                    out.set(0, i, Float.NaN);
                }
                LinearAlgebra.gemm(transposeA, transposeB, 1, row, b, 0, out);
                for (int i = 0; i < 3; i++) {
                    assertTrue(Float.isFinite(out.get(0, i)), "flags " + flags);
                }
            }
        }
    }

    /** A single row through a large matrix (the matrix-vector path) gives the same bits on one BLAS thread or two. */
    @Test
    void aLargeSingleRowProductDoesNotDependOnTheThreadCount() {
        try (Arena arena = Arena.ofConfined()) {
            for (boolean transposeB : new boolean[] {false, true}) {
                Matrix x = Matrices.random(arena, 1, 1024, 5);
                Matrix b = transposeB ? Matrices.random(arena, 4096, 1024, 6) : Matrices.random(arena, 1024, 4096, 6);
                Matrix one = Matrix.allocate(arena, 1, 4096);
                Matrix two = Matrix.allocate(arena, 1, 4096);
                try (BlasThreads single = LinearAlgebra.useThreads(1)) {
                    LinearAlgebra.gemm(false, transposeB, 1, x, b, 0, one);
                }
                try (BlasThreads both = LinearAlgebra.useThreads(2)) {
                    LinearAlgebra.gemm(false, transposeB, 1, x, b, 0, two);
                }
                for (int i = 0; i < 4096; i++) {
                    assertEquals(Float.floatToIntBits(one.get(0, i)), Float.floatToIntBits(two.get(0, i)), "transposeB " + transposeB + " [" + i + "]");
                }
            }
        }
    }

    @Test
    void emptyInnerDimensionScalesC() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix c = Matrices.random(arena, 2, 3, 5);
            float before = c.get(1, 2);
            LinearAlgebra.gemm(false, false, 1, Matrix.allocate(arena, 2, 0), Matrix.allocate(arena, 0, 3), 2, c);
            assertEquals(2 * before, c.get(1, 2));
        }
    }

    @Test
    void shapeMismatchAndAliasingAreRejectedWithShapes() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, 2, 3);
            Matrix b = Matrix.allocate(arena, 4, 5);
            var mismatch = assertThrows(IllegalArgumentException.class,
                    () -> LinearAlgebra.gemm(false, false, 1, a, b, 0, Matrix.allocate(arena, 2, 5)));
            assertTrue(mismatch.getMessage().contains("[2, 3]"), mismatch.getMessage());
            Matrix square = Matrix.allocate(arena, 3, 3);
            var aliasing = assertThrows(IllegalArgumentException.class,
                    () -> LinearAlgebra.gemm(false, false, 1, square, Matrix.allocate(arena, 3, 3), 0, square));
            assertTrue(aliasing.getMessage().contains("overlaps"), aliasing.getMessage());
        }
    }

    @Test
    void doubleGemmMatchesTripleLoop() {
        try (Arena arena = Arena.ofConfined()) {
            for (boolean transposeA : new boolean[] {false, true}) {
                for (boolean transposeB : new boolean[] {false, true}) {
                    int m = 13;
                    int k = 29;
                    int n = 7;
                    MatrixD a = transposeA ? Matrices.randomD(arena, k, m, 1) : Matrices.randomD(arena, m, k, 1);
                    MatrixD b = transposeB ? Matrices.randomD(arena, n, k, 2) : Matrices.randomD(arena, k, n, 2);
                    double[][] opA = transposeA ? Matrices.transpose(Matrices.toArray(a), m) : Matrices.toArray(a);
                    double[][] opB = transposeB ? Matrices.transpose(Matrices.toArray(b), k) : Matrices.toArray(b);
                    MatrixD c = MatrixD.allocate(arena, m, n);
                    LinearAlgebra.gemm(transposeA, transposeB, 1, a, b, 0, c);
                    double error = Matrices.maxDifference(Matrices.multiply(opA, opB, m, k, n), Matrices.toArray(c));
                    assertTrue(error < k * Matrices.F64_TOLERANCE, "error " + error);
                }
            }
            MatrixD product = LinearAlgebra.multiply(arena, MatrixD.allocate(arena, 0, 4), MatrixD.allocate(arena, 4, 3));
            assertEquals(0, product.rows());
            assertEquals(3, product.cols());
        }
    }
}
