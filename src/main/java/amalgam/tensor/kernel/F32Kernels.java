package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized float32 element-wise kernels over segments with long counts (Vector API,
 * {@link FloatVector#SPECIES_PREFERRED}). Each loop runs whole vectors up to an explicit bound and finishes with a
 * scalar tail. Results are bit-identical to {@link ScalarF32Kernels} (same operation order per element; no FMA except
 * in {@link #fusedAxpyInPlace}, whose fused result is the same in every lane and in the tail).
 * Reductions live in {@link F32Reductions}; this class forwards to them so callers see one kernel surface.
 */
public final class F32Kernels {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    static final int LANES = FLOATS.length();
    /** One mask byte per float lane. */
    static final VectorSpecies<Byte> MASK_BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, LANES * 8)));
    /** Byte vectors narrower than 64 bits do not exist; with fewer than 8 float lanes the mask kernels run scalar. */
    private static final boolean VECTOR_MASKS = MASK_BYTES.length() == LANES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private F32Kernels() {
    }

    /** The vector width in float lanes, for logs and provenance. */
    public static int lanes() {
        return LANES;
    }

    static long loopBound(long count) {
        return count - (count % LANES);
    }

    // Each kernel spells out its vector operation: an operator passed as a parameter is only intrinsified when the
    // JIT happens to inline it as a constant, and otherwise falls back to a path that is orders of magnitude slower.

    /** out[i] = a[i] + b[i]. */
    public static void add(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        checkBinary(a, b, out, count);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(FLOATS, a, offset, LE).add(FloatVector.fromMemorySegment(FLOATS, b, offset, LE))
                    .intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) + b.getAtIndex(Layouts.F32, i));
        }
    }

    /** out[i] = a[i] - b[i]. */
    public static void subtract(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        checkBinary(a, b, out, count);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(FLOATS, a, offset, LE).sub(FloatVector.fromMemorySegment(FLOATS, b, offset, LE))
                    .intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) - b.getAtIndex(Layouts.F32, i));
        }
    }

    /** out[i] = a[i] * b[i]. */
    public static void multiply(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        checkBinary(a, b, out, count);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(FLOATS, a, offset, LE).mul(FloatVector.fromMemorySegment(FLOATS, b, offset, LE))
                    .intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) * b.getAtIndex(Layouts.F32, i));
        }
    }

    /** sum[i] += a[i] - b[i] (in place on sum; the difference is rounded to float before the add). */
    public static void addDifferenceInPlace(MemorySegment sum, MemorySegment a, MemorySegment b, long count) {
        checkBinary(a, b, sum, count);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector difference = FloatVector.fromMemorySegment(FLOATS, a, offset, LE)
                    .sub(FloatVector.fromMemorySegment(FLOATS, b, offset, LE));
            FloatVector.fromMemorySegment(FLOATS, sum, offset, LE).add(difference).intoMemorySegment(sum, offset, LE);
        }
        for (; i < count; i++) {
            float difference = a.getAtIndex(Layouts.F32, i) - b.getAtIndex(Layouts.F32, i);
            sum.setAtIndex(Layouts.F32, i, sum.getAtIndex(Layouts.F32, i) + difference);
        }
    }

    private static void checkBinary(MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(out, count, "out");
    }

    /** out[i] = a[i] * s. */
    public static void scale(MemorySegment a, float s, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(out, count, "out");
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(FLOATS, a, offset, LE).mul(s).intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, a.getAtIndex(Layouts.F32, i) * s);
        }
    }

    /** y[i] = y[i] + alpha * x[i] (in place on y; the product is rounded to float before the add, no FMA). */
    public static void axpyInPlace(float alpha, MemorySegment x, MemorySegment y, long count) {
        SegmentChecks.f32(x, count, "x");
        SegmentChecks.f32(y, count, "y");
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector product = FloatVector.fromMemorySegment(FLOATS, x, offset, LE).mul(alpha);
            FloatVector.fromMemorySegment(FLOATS, y, offset, LE).add(product).intoMemorySegment(y, offset, LE);
        }
        for (; i < count; i++) {
            y.setAtIndex(Layouts.F32, i, y.getAtIndex(Layouts.F32, i) + alpha * x.getAtIndex(Layouts.F32, i));
        }
    }

    /**
     * y[yOffset + i] = fma(alpha, x[xOffset + i], y[yOffset + i]) for i in [0, count) (offsets in elements): the fused
     * multiply-add, rounded once, that the neural engine accumulates with; {@link #axpyInPlace} rounds the product
     * first, as torch's {@code y + alpha * x} does. A fused result does not depend on the vector width either.
     */
    public static void fusedAxpyInPlace(float alpha, MemorySegment x, long xOffset, MemorySegment y, long yOffset, long count) {
        SegmentChecks.f32(x, xOffset, count, "x");
        SegmentChecks.f32(y, yOffset, count, "y");
        FloatVector a = FloatVector.broadcast(FLOATS, alpha);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long xAt = (xOffset + i) * Float.BYTES;
            long yAt = (yOffset + i) * Float.BYTES;
            FloatVector.fromMemorySegment(FLOATS, x, xAt, LE).fma(a, FloatVector.fromMemorySegment(FLOATS, y, yAt, LE))
                    .intoMemorySegment(y, yAt, LE);
        }
        for (; i < count; i++) {
            y.setAtIndex(Layouts.F32, yOffset + i,
                    Math.fma(alpha, x.getAtIndex(Layouts.F32, xOffset + i), y.getAtIndex(Layouts.F32, yOffset + i)));
        }
    }

    /** out[i] = torch.sign(a[i]): +1, -1, or +0 for a zero of either sign and for NaN (as torch does on CPU). */
    public static void sign(MemorySegment a, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(out, count, "out");
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector one = FloatVector.broadcast(FLOATS, 1f);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector value = FloatVector.fromMemorySegment(FLOATS, a, offset, LE);
            FloatVector positive = zero.blend(one, value.compare(VectorOperators.GT, 0f));
            FloatVector negative = zero.blend(one, value.compare(VectorOperators.LT, 0f));
            positive.sub(negative).intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            float value = a.getAtIndex(Layouts.F32, i);
            out.setAtIndex(Layouts.F32, i, (value > 0 ? 1f : 0f) - (value < 0 ? 1f : 0f));
        }
    }

    /** out[i] = |a[i]| (clears the sign bit, so NaN stays NaN). */
    public static void abs(MemorySegment a, MemorySegment out, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(out, count, "out");
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector.fromMemorySegment(FLOATS, a, offset, LE).abs().intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, Math.abs(a.getAtIndex(Layouts.F32, i)));
        }
    }

    /** The mask bytes at element i as a float-lane mask: lane set where the byte is nonzero. */
    private static VectorMask<Float> laneMask(MemorySegment mask, long i) {
        ByteVector bytes = ByteVector.fromMemorySegment(MASK_BYTES, mask, i, LE);
        return bytes.compare(VectorOperators.NE, (byte) 0).cast(FLOATS);
    }

    /** out[i] = mask[i] != 0 ? a[i] : b[i]; the mask is one byte per element (U8 or BOOL). */
    public static void where(MemorySegment mask, MemorySegment a, MemorySegment b, MemorySegment out, long count) {
        if (!VECTOR_MASKS) {
            ScalarF32Kernels.where(mask, a, b, out, count);
            return;
        }
        SegmentChecks.bytes(mask, count, "mask");
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        SegmentChecks.f32(out, count, "out");
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            VectorMask<Float> keep = laneMask(mask, i);
            FloatVector x = FloatVector.fromMemorySegment(FLOATS, a, offset, LE);
            FloatVector.fromMemorySegment(FLOATS, b, offset, LE).blend(x, keep).intoMemorySegment(out, offset, LE);
        }
        for (; i < count; i++) {
            boolean keep = mask.get(Layouts.I8, i) != 0;
            out.setAtIndex(Layouts.F32, i, keep ? a.getAtIndex(Layouts.F32, i) : b.getAtIndex(Layouts.F32, i));
        }
    }

    /** a[i] = mask[i] != 0 ? a[i] : +0 (in place). */
    public static void keepWhereInPlace(MemorySegment a, MemorySegment mask, long count) {
        if (!VECTOR_MASKS) {
            ScalarF32Kernels.keepWhereInPlace(a, mask, count);
            return;
        }
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.bytes(mask, count, "mask");
        FloatVector zero = FloatVector.zero(FLOATS);
        long bound = loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            VectorMask<Float> keep = laneMask(mask, i);
            zero.blend(FloatVector.fromMemorySegment(FLOATS, a, offset, LE), keep).intoMemorySegment(a, offset, LE);
        }
        for (; i < count; i++) {
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
        if (!VECTOR_MASKS) {
            return ScalarF32Kernels.maskedSelect(a, mask, out, count);
        }
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.bytes(mask, count, "mask");
        long bound = loopBound(count);
        long written = 0;
        long i = 0;
        for (; i < bound; i += LANES) {
            VectorMask<Float> keep = laneMask(mask, i);
            int kept = keep.trueCount();
            if (kept == 0) {
                continue;
            }
            FloatVector packed = FloatVector.fromMemorySegment(FLOATS, a, i * Float.BYTES, LE).compress(keep);
            long end = (written + kept) * Float.BYTES;
            if (end > out.byteSize()) {
                throw new IndexOutOfBoundsException("maskedSelect output of " + out.byteSize() + " bytes is too small");
            }
            packed.intoMemorySegment(out, written * Float.BYTES, LE, FLOATS.indexInRange(0, kept));
            written += kept;
        }
        for (; i < count; i++) {
            if (mask.get(Layouts.I8, i) != 0) {
                out.setAtIndex(Layouts.F32, written++, a.getAtIndex(Layouts.F32, i));
            }
        }
        return written;
    }

    /** Sum of a[0..count) in double; see {@link F32Reductions#sum}. */
    public static double sum(MemorySegment a, long count) {
        return F32Reductions.sum(a, count);
    }

    /** Sum of a[i] * b[i] in double; see {@link F32Reductions#dot}. */
    public static double dot(MemorySegment a, MemorySegment b, long count) {
        return F32Reductions.dot(a, b, count);
    }

    /** Sum of |a[i]| in double. */
    public static double l1Norm(MemorySegment a, long count) {
        return F32Reductions.l1Norm(a, count);
    }

    /** sqrt of the sum of a[i]^2, accumulated in double. */
    public static double l2Norm(MemorySegment a, long count) {
        return Math.sqrt(F32Reductions.sumOfSquares(a, count));
    }
}
