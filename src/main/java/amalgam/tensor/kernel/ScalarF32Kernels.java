package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference twin of {@link F32Kernels}: same signatures, same semantics, one element at a time in index
 * order. Reductions add in plain index order in double. Used by tests as the definition and as a fallback.
 */
public final class ScalarF32Kernels {
    private ScalarF32Kernels() {
    }

    /** out[i] = a[i] + b[i]. */
    public static void add(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) + b.getAtIndex(Layouts.F32, i));
        }
    }

    /** out[i] = a[i] - b[i]. */
    public static void subtract(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) - b.getAtIndex(Layouts.F32, i));
        }
    }

    /** sum[i] += a[i] - b[i]. */
    public static void addDifferenceInPlace(MemorySegment sum, MemorySegment a, MemorySegment b, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(sum, count, "sum");
        for (long i = 0; i < count; i++) {
            float difference = a.getAtIndex(Layouts.F32, i) - b.getAtIndex(Layouts.F32, i);
            sum.setAtIndex(Layouts.F32, i, sum.getAtIndex(Layouts.F32, i) + difference);
        }
    }

    /** out[i] = a[i] * b[i]. */
    public static void multiply(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) * b.getAtIndex(Layouts.F32, i));
        }
    }

    /** out[i] = a[i] * s. */
    public static void scale(MemorySegment a, float s, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) * s);
        }
    }

    /** y[i] = y[i] + alpha * x[i] (in place on y; the product is rounded to float before the add, no FMA). */
    public static void axpyInPlace(float alpha, MemorySegment x, MemorySegment y, long count) {
        SegmentChecks.f32(x, count, "x");
        SegmentChecks.f32(y, count, "y");
        for (long i = 0; i < count; i++) {
            y.setAtIndex(Layouts.F32, i, y.getAtIndex(Layouts.F32, i) + alpha * x.getAtIndex(Layouts.F32, i));
        }
    }

    /** y[yOffset + i] = fma(alpha, x[xOffset + i], y[yOffset + i]): the scalar twin of {@link F32Kernels#fusedAxpyInPlace}. */
    public static void fusedAxpyInPlace(float alpha, MemorySegment x, long xOffset, MemorySegment y, long yOffset, long count) {
        SegmentChecks.f32(x, xOffset, count, "x");
        SegmentChecks.f32(y, yOffset, count, "y");
        for (long i = 0; i < count; i++) {
            y.setAtIndex(Layouts.F32, yOffset + i,
                    Math.fma(alpha, x.getAtIndex(Layouts.F32, xOffset + i), y.getAtIndex(Layouts.F32, yOffset + i)));
        }
    }

    /** out[i] = torch.sign(a[i]): +1, -1, or +0 for a zero of either sign and for NaN (as torch does on CPU). */
    public static void sign(MemorySegment a, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            float value = a.getAtIndex(Layouts.F32, i);
            out.setAtIndex(Layouts.F32, i, (value > 0 ? 1f : 0f) - (value < 0 ? 1f : 0f));
        }
    }

    /** out[i] = |a[i]| (clears the sign bit, so NaN stays NaN). */
    public static void abs(MemorySegment a, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, Math.abs(a.getAtIndex(Layouts.F32, i)));
        }
    }

    /** out[i] = mask[i] != 0 ? a[i] : b[i]; the mask is one byte per element (U8 or BOOL). */
    public static void where(MemorySegment mask, MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        SegmentChecks.bytes(mask, count, "mask");
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(out, count, "out");
        for (long i = 0; i < count; i++) {
            boolean keep = mask.get(Layouts.I8, i) != 0;
            out.setAtIndex(Layouts.F32, i, keep ? a.getAtIndex(Layouts.F32, i) : b.getAtIndex(Layouts.F32, i));
        }
    }

    /** a[i] = mask[i] != 0 ? a[i] : +0 (in place). */
    public static void keepWhereInPlace(MemorySegment a, MemorySegment mask, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.bytes(mask, count, "mask");
        for (long i = 0; i < count; i++) {
            if (mask.get(Layouts.I8, i) == 0) {
                a.setAtIndex(Layouts.F32, i, 0f);
            }
        }
    }

    /**
     * Like torch.masked_select: writes the elements of {@code a} whose mask byte is nonzero, in order, to the
     * front of {@code out}, and returns how many. {@code out} needs room for that many (at most {@code count}).
     */
    public static long maskedSelect(MemorySegment a, MemorySegment mask, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.bytes(mask, count, "mask");
        long written = 0;
        for (long i = 0; i < count; i++) {
            if (mask.get(Layouts.I8, i) != 0) {
                out.setAtIndex(Layouts.F32, written++, a.getAtIndex(Layouts.F32, i));
            }
        }
        return written;
    }

    /** Sum of a[0..count) in double. */
    public static double sum(MemorySegment a, long count) {
        SegmentChecks.f32(a, count, "a");
        double total = 0;
        for (long i = 0; i < count; i++) {
            total += a.getAtIndex(Layouts.F32, i);
        }
        return total;
    }

    /** Sum of a[i] * b[i] in double (each product is exact in double). */
    public static double dot(MemorySegment a, MemorySegment b, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        double total = 0;
        for (long i = 0; i < count; i++) {
            total += (double) a.getAtIndex(Layouts.F32, i) * b.getAtIndex(Layouts.F32, i);
        }
        return total;
    }

    /** Sum of |a[i]| in double. */
    public static double l1Norm(MemorySegment a, long count) {
        SegmentChecks.f32(a, count, "a");
        double total = 0;
        for (long i = 0; i < count; i++) {
            total += Math.abs(a.getAtIndex(Layouts.F32, i));
        }
        return total;
    }

    /** sqrt of the sum of a[i]^2, accumulated in double. */
    public static double l2Norm(MemorySegment a, long count) {
        SegmentChecks.f32(a, count, "a");
        double total = 0;
        for (long i = 0; i < count; i++) {
            double value = a.getAtIndex(Layouts.F32, i);
            total += value * value;
        }
        return Math.sqrt(total);
    }
}
