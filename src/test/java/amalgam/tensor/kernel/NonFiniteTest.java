package amalgam.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vectorized non-finite search against its scalar twin: every size class, every position, NaN and ±∞. */
class NonFiniteTest {
    private static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.intBitsToFloat(0xFFC0_0001)};

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 15, 16, 17, 63, 64, 100, 1027})
    void findsTheFirstNonFiniteValueAsTheScalarTwin(int count) {
        Random random = new Random(count);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            // finite extremes must not count: the largest float, the smallest subnormal, negative zero
            values[i] = switch (random.nextInt(4)) {
                case 0 -> Float.MAX_VALUE * (random.nextBoolean() ? 1 : -1);
                case 1 -> Float.MIN_VALUE;
                case 2 -> -0.0f;
                default -> (float) random.nextGaussian();
            };
        }
        MemorySegment clean = MemorySegment.ofArray(values.clone());
        assertEquals(-1, NonFinite.firstIndex(clean, count));
        assertEquals(-1, ScalarNonFinite.firstIndex(clean, count));
        for (int position = 0; position < count; position++) {
            float[] poisoned = values.clone();
            poisoned[position] = SPECIALS[position % SPECIALS.length];
            if (position + 3 < count) {
                poisoned[position + 3] = Float.NaN; // a later one does not hide the first
            }
            MemorySegment segment = MemorySegment.ofArray(poisoned);
            assertEquals(position, ScalarNonFinite.firstIndex(segment, count));
            assertEquals(position, NonFinite.firstIndex(segment, count), "position " + position + " of " + count);
            assertEquals(position + 3 < count ? 2 : 1, NonFinite.count(segment, count));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 40})
    void looksOnlyAtTheFirstCountElements(int count) {
        float[] values = new float[count + 1];
        values[count] = Float.NaN;
        assertEquals(-1, NonFinite.firstIndex(MemorySegment.ofArray(values), count));
    }
}
