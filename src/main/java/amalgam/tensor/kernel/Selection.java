package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact order statistics of magnitudes over one float32 segment, in O(n) time without sorting or copying: a two-pass
 * radix select on the bit patterns of |x| ({@link AbsHistogramSelector}). Works for counts beyond 2^31.
 *
 * <p>Order: {@code -0.0} equals {@code +0.0}; NaN is larger than infinity. The value returned is the exact k-th order
 * statistic, like {@code torch.kthvalue(x.abs(), k)}; with ties, {@code countAbsAtLeast(t)} may exceed
 * {@code n - k + 1}, and callers that keep {@code |x| >= t} keep every tie.
 */
public final class Selection {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    private Selection() {
    }

    /** The k-th smallest |x| (1-based k, 1 <= k <= count). */
    public static float kthSmallestAbs(MemorySegment f32, long count, long k) {
        AbsHistogramSelector selector = AbsHistogramSelector.firstPass();
        selector.accept(f32, count);
        selector.secondPass(k);
        selector.accept(f32, count);
        return selector.result();
    }

    /** The k-th largest |x| (1-based k, 1 <= k <= count): the (count - k + 1)-th smallest. */
    public static float kthLargestAbs(MemorySegment f32, long count, long k) {
        if (k < 1 || k > count) {
            throw new IllegalArgumentException("k = " + k + " is outside 1.." + count);
        }
        return kthSmallestAbs(f32, count, count - k + 1);
    }

    /**
     * How many elements have |x| >= t, in the order above (a NaN element counts for every t; a NaN t counts the NaN
     * elements whose pattern is at least t's). {@code t} must not be negative.
     */
    public static long countAbsAtLeast(MemorySegment f32, long count, float t) {
        SegmentChecks.f32(f32, count, "f32");
        if (t < 0) {
            throw new IllegalArgumentException("magnitude threshold " + t + " is negative");
        }
        int threshold = Float.floatToRawIntBits(t) & 0x7FFF_FFFF;
        int lanes = INTS.length();
        long bound = count - count % lanes;
        long atLeast = 0;
        long i = 0;
        for (; i < bound; i += lanes) {
            IntVector magnitudes = IntVector.fromMemorySegment(INTS, f32, i * Integer.BYTES, ByteOrder.LITTLE_ENDIAN)
                    .and(0x7FFF_FFFF);
            atLeast += magnitudes.compare(VectorOperators.GE, threshold).trueCount();
        }
        for (; i < count; i++) {
            if ((f32.getAtIndex(Layouts.I32, i) & 0x7FFF_FFFF) >= threshold) {
                atLeast++;
            }
        }
        return atLeast;
    }
}
