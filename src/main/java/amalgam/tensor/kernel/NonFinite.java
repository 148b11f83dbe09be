package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Finding NaN and infinities in float32 data. A float is non-finite exactly when its exponent bits are all ones,
 * i.e. when its bits without the sign are at least {@code 0x7F800000}; the vector loop keeps the lane-wise maximum
 * of those bits (one AND and one MAX per vector, no branch), and only when that maximum reaches the limit is the
 * position looked up in a scalar scan. So a clean window costs about one read at cache speed.
 */
public final class NonFinite {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final int LANES = INTS.length();
    private static final int ABS_BITS = 0x7FFF_FFFF;
    private static final int INFINITY_BITS = 0x7F80_0000;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private NonFinite() {
    }

    /** The index of the first NaN or infinity among {@code count} floats of {@code a}, or -1 if all are finite. */
    public static long firstIndex(MemorySegment a, long count) {
        SegmentChecks.f32(a, count, "a");
        long bound = count - count % LANES;
        IntVector largest = IntVector.zero(INTS);
        long i = 0;
        for (; i < bound; i += LANES) {
            largest = largest.max(IntVector.fromMemorySegment(INTS, a, i * Float.BYTES, LE).and(ABS_BITS));
        }
        if (largest.reduceLanes(VectorOperators.MAX) >= INFINITY_BITS) {
            return ScalarNonFinite.firstIndex(a, bound);
        }
        for (; i < count; i++) {
            if (!Float.isFinite(a.getAtIndex(Layouts.F32, i))) {
                return i;
            }
        }
        return -1;
    }

    /** How many of the {@code count} floats of {@code a} are NaN or infinite (for messages; a scalar pass). */
    public static long count(MemorySegment a, long count) {
        return ScalarNonFinite.count(a, count);
    }
}
