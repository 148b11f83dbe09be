package amalgam.fusion.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vectorized TIES window kernels give the bits of their scalar definitions, for sizes around the vector width,
 * values at the thresholds, signed zeros, infinities (whose sums make NaN masses) and NaN.
 */
class TiesKernelsTest {
    private static final int[] SIZES = {0, 1, 7, 15, 16, 17, 33, 1000, 4099};
    private static final float[] THRESHOLDS = {0.5f, 0f, 1f};
    private static final float[] SPECIALS = {0f, -0f, 0.5f, -0.5f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY};

    private static MemorySegment values(Arena arena, int count, Random random) {
        MemorySegment segment = arena.allocate((long) count * Float.BYTES + Float.BYTES, 64).asSlice(Float.BYTES);
        for (int i = 0; i < count; i++) {
            float value = random.nextInt(4) == 0 ? SPECIALS[random.nextInt(SPECIALS.length)] : (float) random.nextGaussian();
            segment.setAtIndex(Layouts.F32, i, value);
        }
        return segment;
    }

    private static void assertSameBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                what + ": expected " + expected + " got " + actual);
    }

    @Test
    void mergeMatchesTheScalarDefinition() {
        Random random = new Random(5);
        for (int count : SIZES) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment[] rows = {values(arena, count, random), values(arena, count, random), values(arena, count, random)};
                MemorySegment out = arena.allocate(Math.max(1, count) * (long) Float.BYTES, 64);
                for (float majority : new float[] {1f, 0f, -1f}) {
                    for (TiesCore.MergeFunction function : TiesCore.MergeFunction.values()) {
                        TiesKernels.merge(rows, THRESHOLDS, majority, function, out, count);
                        for (int i = 0; i < count; i++) {
                            assertSameBits(TiesKernels.mergeScalar(rows, THRESHOLDS, majority, function, i),
                                    out.getAtIndex(Layouts.F32, i), function + " majority " + majority + " n=" + count + " i=" + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void trimmedMassAndSignSumMatchTheirDefinitions() {
        Random random = new Random(6);
        for (int count : SIZES) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mass = arena.allocate(Math.max(1, count) * (long) Float.BYTES, 64);
                float[] expected = new float[count];
                for (float threshold : THRESHOLDS) {
                    MemorySegment row = values(arena, count, random);
                    TiesKernels.addTrimmedInPlace(mass, row, threshold, count);
                    for (int i = 0; i < count; i++) {
                        float x = row.getAtIndex(Layouts.F32, i);
                        if (Math.abs(x) >= threshold) {
                            expected[i] += x;
                        }
                    }
                }
                long signs = 0;
                for (int i = 0; i < count; i++) {
                    assertSameBits(expected[i], mass.getAtIndex(Layouts.F32, i), "mass n=" + count + " i=" + i);
                    signs += (long) Math.signum(expected[i]);
                }
                assertEquals(signs, TiesKernels.signSum(mass, count), "sign sum n=" + count);
            }
        }
    }
}
