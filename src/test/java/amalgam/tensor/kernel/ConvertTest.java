package amalgam.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The vectorized converter against its scalar twin: every 16-bit pattern, random float bits, every dtype. */
class ConvertTest {

    /** A tensor holding every 16-bit pattern once, plus 5 more so the vector loop has a tail. */
    private static Tensor allPatterns(Arena arena, DType dtype) {
        int count = 0x10000 + 5;
        Tensor tensor = Tensor.allocate(arena, dtype, Shape.of(count));
        for (int i = 0; i < count; i++) {
            tensor.data().setAtIndex(Layouts.I16, i, (short) (i * 40503)); // odd multiplier: a permutation of 2^16
        }
        return tensor;
    }

    @Test
    void bf16ToF32MatchesScalarOnEveryPattern() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor tensor = allPatterns(arena, DType.BF16);
            assertFloatsMatch(arena, tensor, true);
        }
    }

    @Test
    void f16ToF32MatchesScalarOnEveryPattern() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor tensor = allPatterns(arena, DType.F16);
            assertFloatsMatch(arena, tensor, false);
        }
    }

    /** Vector and scalar widening agree bit for bit; NaNs must agree in NaN-ness and sign, payloads too if exact. */
    private static void assertFloatsMatch(Arena arena, Tensor tensor, boolean exactNaN) {
        long count = tensor.elementCount();
        MemorySegment vector = arena.allocate(count * 4);
        MemorySegment scalar = arena.allocate(count * 4);
        Convert.toF32(tensor, vector);
        ScalarConvert.toF32(tensor, scalar);
        for (long i = 0; i < count; i++) {
            int expected = scalar.getAtIndex(Layouts.I32, i);
            int actual = vector.getAtIndex(Layouts.I32, i);
            if (!exactNaN && Float.isNaN(Float.intBitsToFloat(expected))) {
                assertTrue(Float.isNaN(Float.intBitsToFloat(actual)), "NaN at " + i);
                assertEquals(expected >>> 31, actual >>> 31, "NaN sign at " + i);
            } else {
                final long index = i;
                assertEquals(expected, actual, () -> "element " + index + " pattern 0x"
                        + Integer.toHexString(tensor.data().getAtIndex(Layouts.I16, index) & 0xFFFF));
            }
        }
    }

    @Test
    void f32ToBf16MatchesScalarOnRandomBits() {
        try (Arena arena = Arena.ofConfined()) {
            int count = 1_000_003;
            Random random = new Random(42);
            MemorySegment source = arena.allocate(count * 4L);
            for (int i = 0; i < count; i++) {
                int bits = random.nextInt();
                if (i % 5 == 0) {
                    bits = (bits & 0xFFFF_0000) | (i % 3 == 0 ? 0x8000 : 0x7FFF); // ties and near-ties
                }
                if (i % 97 == 0) {
                    bits |= 0x7F80_0000; // infinities and NaNs
                }
                source.setAtIndex(Layouts.I32, i, bits);
            }
            Tensor vector = Tensor.allocate(arena, DType.BF16, Shape.of(count));
            Tensor scalar = Tensor.allocate(arena, DType.BF16, Shape.of(count));
            Convert.fromF32(source, vector);
            ScalarConvert.fromF32(source, scalar);
            assertEquals(-1L, scalar.data().mismatch(vector.data()));
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTripsLikeTheScalarTwin(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            for (int size : KernelTestData.SIZES) {
                Random random = new Random(size + dtype.ordinal() * 1000L);
                MemorySegment source = KernelTestData.random(arena, size, random, dtype.isFloatingPoint());
                if (!dtype.isFloatingPoint()) {
                    for (long i = 0; i < size; i++) { // values every integer dtype can hold
                        source.setAtIndex(Layouts.F32, i, (float) Math.rint(source.getAtIndex(Layouts.F32, i) % 100));
                        if (dtype == DType.BOOL) {
                            source.setAtIndex(Layouts.F32, i, source.getAtIndex(Layouts.F32, i) != 0 ? 1f : 0f);
                        }
                        if (dtype == DType.U8) {
                            source.setAtIndex(Layouts.F32, i, Math.abs(source.getAtIndex(Layouts.F32, i)));
                        }
                    }
                }
                Tensor vector = Tensor.allocate(arena, dtype, Shape.of(size));
                Tensor scalar = Tensor.allocate(arena, dtype, Shape.of(size));
                Convert.fromF32(source, vector);
                ScalarConvert.fromF32(source, scalar);
                assertEquals(-1L, scalar.data().mismatch(vector.data()), dtype + " narrowing, size " + size);
                Tensor widened = Convert.toF32(vector, arena);
                assertEquals(vector.shape(), widened.shape());
                MemorySegment reference = arena.allocate(size * 4L);
                ScalarConvert.toF32(scalar, reference);
                for (long i = 0; i < size; i++) {
                    float expected = reference.getAtIndex(Layouts.F32, i);
                    float actual = widened.data().getAtIndex(Layouts.F32, i);
                    assertEquals(Float.isNaN(expected), Float.isNaN(actual));
                    if (!Float.isNaN(expected)) {
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), dtype + " at " + i);
                    }
                    if (dtype == DType.F32 || dtype == DType.F64 || !dtype.isFloatingPoint()) {
                        float original = source.getAtIndex(Layouts.F32, i);
                        boolean same = dtype.isFloatingPoint()
                                ? Float.floatToRawIntBits(original) == Float.floatToRawIntBits(actual)
                                : original == actual; // integers have no negative zero
                        assertTrue(same, dtype + " exact at " + i + ": " + original + " -> " + actual);
                    }
                }
            }
        }
    }

    @Test
    void tooSmallDestinationIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor tensor = Tensor.allocate(arena, DType.BF16, Shape.of(10));
            assertThrows(IndexOutOfBoundsException.class, () -> Convert.toF32(tensor, arena.allocate(36)));
        }
    }
}
