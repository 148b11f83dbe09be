package amalgam.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels against their scalar twin on odd, zero and vector-multiple sizes, off-heap and misaligned.
 * Element-wise results must be byte-identical. Reductions reassociate, so they must agree within
 * {@code 1e-12 * sum(|terms|)}: the worst-case error of a double sum of n <= 4099 terms is about n * 2^-53 ~ 4.6e-13
 * of sum(|terms|) for each of the two orders.
 */
class F32KernelsTest {
    static final int[] SIZES = KernelTestData.SIZES;

    private interface Binary {
        void apply(MemorySegment a, MemorySegment b, MemorySegment out, long count);
    }

    private interface Unary {
        void apply(MemorySegment a, MemorySegment out, long count);
    }

    @ParameterizedTest
    @FieldSource("SIZES")
    void elementwiseOpsMatchScalarBitForBit(int size) {
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(size * 31L + 7);
            MemorySegment a = KernelTestData.random(arena, size, random, true);
            MemorySegment b = KernelTestData.random(arena, size, random, true);
            checkBinary(arena, a, b, size, F32Kernels::add, ScalarF32Kernels::add, "add");
            checkBinary(arena, a, b, size, F32Kernels::subtract, ScalarF32Kernels::subtract, "subtract");
            checkBinary(arena, a, b, size, F32Kernels::multiply, ScalarF32Kernels::multiply, "multiply");
            checkUnary(arena, a, size, F32Kernels::sign, ScalarF32Kernels::sign, "sign");
            checkUnary(arena, a, size, F32Kernels::abs, ScalarF32Kernels::abs, "abs");
            checkUnary(arena, a, size, (x, out, n) -> F32Kernels.scale(x, -0.37f, out, n),
                    (x, out, n) -> ScalarF32Kernels.scale(x, -0.37f, out, n), "scale");

            MemorySegment vectorY = KernelTestData.copy(arena, b);
            MemorySegment scalarY = KernelTestData.copy(arena, b);
            F32Kernels.axpyInPlace(1.7f, a, vectorY, size);
            ScalarF32Kernels.axpyInPlace(1.7f, a, scalarY, size);
            assertSame(scalarY, vectorY, "axpy");

            MemorySegment vectorFused = KernelTestData.copy(arena, b);
            MemorySegment scalarFused = KernelTestData.copy(arena, b);
            long half = size / 2;
            F32Kernels.fusedAxpyInPlace(1.7f, a, size - half, vectorFused, half / 2, half);
            ScalarF32Kernels.fusedAxpyInPlace(1.7f, a, size - half, scalarFused, half / 2, half);
            assertSame(scalarFused, vectorFused, "fusedAxpyInPlace");

            MemorySegment vectorSum = KernelTestData.copy(arena, b);
            MemorySegment scalarSum = KernelTestData.copy(arena, b);
            F32Kernels.addDifferenceInPlace(vectorSum, a, b, size);
            ScalarF32Kernels.addDifferenceInPlace(scalarSum, a, b, size);
            assertSame(scalarSum, vectorSum, "addDifferenceInPlace");

            MemorySegment mask = KernelTestData.mask(arena, size, random);
            checkBinary(arena, a, b, size, (x, y, out, n) -> F32Kernels.where(mask, x, y, out, n),
                    (x, y, out, n) -> ScalarF32Kernels.where(mask, x, y, out, n), "where");

            MemorySegment vectorKept = KernelTestData.copy(arena, a);
            MemorySegment scalarKept = KernelTestData.copy(arena, a);
            F32Kernels.keepWhereInPlace(vectorKept, mask, size);
            ScalarF32Kernels.keepWhereInPlace(scalarKept, mask, size);
            assertSame(scalarKept, vectorKept, "keepWhereInPlace");

            MemorySegment vectorSelected = KernelTestData.floats(arena, size);
            MemorySegment scalarSelected = KernelTestData.floats(arena, size);
            long vectorCount = F32Kernels.maskedSelect(a, mask, vectorSelected, size);
            long scalarCount = ScalarF32Kernels.maskedSelect(a, mask, scalarSelected, size);
            assertEquals(scalarCount, vectorCount, "maskedSelect count");
            assertSame(scalarSelected, vectorSelected, "maskedSelect");
        }
    }

    @ParameterizedTest
    @FieldSource("SIZES")
    void reductionsMatchScalarWithinTolerance(int size) {
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(size * 17L + 3);
            MemorySegment a = KernelTestData.random(arena, size, random, false);
            MemorySegment b = KernelTestData.random(arena, size, random, false);
            double absoluteSum = ScalarF32Kernels.l1Norm(a, size);
            checkReduction(F32Kernels.sum(a, size), ScalarF32Kernels.sum(a, size), absoluteSum, "sum");
            checkReduction(F32Kernels.l1Norm(a, size), absoluteSum, absoluteSum, "l1Norm");
            double squares = ScalarF32Kernels.dot(a, a, size);
            checkReduction(Math.pow(F32Kernels.l2Norm(a, size), 2), squares, squares, "l2Norm^2");
            double absoluteProducts = 0;
            for (long i = 0; i < size; i++) {
                absoluteProducts += Math.abs((double) a.getAtIndex(Layouts.F32, i) * b.getAtIndex(Layouts.F32, i));
            }
            checkReduction(F32Kernels.dot(a, b, size), ScalarF32Kernels.dot(a, b, size), absoluteProducts, "dot");
            assertEquals(F32Kernels.sum(a, size), F32Kernels.sum(a, size), 0.0, "a reduction is repeatable");
        }
    }

    @Test
    void reductionsAreExactOnSmallIntegers() {
        try (Arena arena = Arena.ofConfined()) {
            int size = 4099;
            MemorySegment a = KernelTestData.floats(arena, size);
            for (int i = 0; i < size; i++) {
                a.setAtIndex(Layouts.F32, i, i % 7 - 3);
            }
            assertEquals(ScalarF32Kernels.sum(a, size), F32Kernels.sum(a, size), 0.0);
            assertEquals(ScalarF32Kernels.l1Norm(a, size), F32Kernels.l1Norm(a, size), 0.0);
            assertEquals(ScalarF32Kernels.dot(a, a, size), F32Kernels.dot(a, a, size), 0.0);
        }
    }

    @Test
    void signFollowsTorch() {
        float[] inputs = {2.5f, -0.1f, 0f, -0f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        float[] expected = {1f, -1f, 0f, 0f, 0f, -1f, 1f};
        MemorySegment a = MemorySegment.ofArray(inputs.clone());
        MemorySegment out = MemorySegment.ofArray(new float[inputs.length]);
        F32Kernels.sign(a, out, inputs.length);
        for (int i = 0; i < inputs.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out.getAtIndex(Layouts.F32, i)),
                    "sign(" + inputs[i] + ")");
        }
    }

    @Test
    void shortSegmentsAreRejectedWithNames() {
        MemorySegment small = MemorySegment.ofArray(new float[3]);
        MemorySegment big = MemorySegment.ofArray(new float[8]);
        IndexOutOfBoundsException error = assertThrows(IndexOutOfBoundsException.class,
                () -> F32Kernels.add(big, small, big, 8));
        assertEquals(true, error.getMessage().contains("'b'"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F32Kernels.sum(big, -1));
    }

    private static void checkBinary(Arena arena, MemorySegment a, MemorySegment b, long size, Binary vector, Binary scalar, String name) {
        MemorySegment expected = KernelTestData.floats(arena, size);
        MemorySegment actual = KernelTestData.floats(arena, size);
        scalar.apply(a, b, expected, size);
        vector.apply(a, b, actual, size);
        assertSame(expected, actual, name);
        MemorySegment inPlace = KernelTestData.copy(arena, a);
        vector.apply(inPlace, b, inPlace, size);
        assertSame(expected, inPlace, name + " in place");
    }

    private static void checkUnary(Arena arena, MemorySegment a, long size, Unary vector, Unary scalar, String name) {
        MemorySegment expected = KernelTestData.floats(arena, size);
        MemorySegment actual = KernelTestData.floats(arena, size);
        scalar.apply(a, expected, size);
        vector.apply(a, actual, size);
        assertSame(expected, actual, name);
    }

    private static void assertSame(MemorySegment expected, MemorySegment actual, String name) {
        long mismatch = expected.mismatch(actual);
        assertEquals(-1L, mismatch, () -> name + ": first differing byte " + mismatch);
    }

    private static void checkReduction(double actual, double expected, double scale, String name) {
        assertEquals(expected, actual, 1e-12 * scale, name);
    }

}
