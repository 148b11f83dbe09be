package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Seeded test inputs: off-heap segments deliberately misaligned by one float, with special values mixed in. */
final class KernelTestData {
    static final int[] SIZES = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 1000, 4099};
    private static final float[] SPECIALS = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, 1f, -1f};

    private KernelTestData() {
    }

    /** A segment of count floats starting 4 bytes past a 64-byte boundary. */
    static MemorySegment floats(Arena arena, long count) {
        return arena.allocate(count * Float.BYTES + Float.BYTES, 64).asSlice(Float.BYTES, count * Float.BYTES);
    }

    /** Normal-ish random floats, with about one in ten replaced by a special value when withSpecials. */
    static MemorySegment random(Arena arena, long count, Random random, boolean withSpecials) {
        MemorySegment segment = floats(arena, count);
        for (long i = 0; i < count; i++) {
            float value = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            if (withSpecials && random.nextInt(10) == 0) {
                value = SPECIALS[random.nextInt(SPECIALS.length)];
            }
            segment.setAtIndex(Layouts.F32, i, value);
        }
        return segment;
    }

    /** Mask bytes: zero about half the time, otherwise an arbitrary nonzero byte. */
    static MemorySegment mask(Arena arena, long count, Random random) {
        MemorySegment segment = arena.allocate(count + 1).asSlice(1, count);
        for (long i = 0; i < count; i++) {
            segment.set(Layouts.I8, i, random.nextBoolean() ? 0 : (byte) (1 + random.nextInt(255)));
        }
        return segment;
    }

    static MemorySegment copy(Arena arena, MemorySegment source) {
        MemorySegment copy = floats(arena, source.byteSize() / Float.BYTES);
        copy.copyFrom(source);
        return copy;
    }
}
