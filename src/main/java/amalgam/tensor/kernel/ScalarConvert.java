package amalgam.tensor.kernel;

import amalgam.tensor.FloatFormats;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Scalar reference twin of {@link Convert}: one element at a time through {@link FloatFormats}, with the same value
 * semantics as {@link Tensor#getFloat} and {@link Tensor#setFloat}. {@link Convert} uses it for the dtypes it does
 * not vectorize.
 */
public final class ScalarConvert {
    private ScalarConvert() {
    }

    /** Widens every element of {@code src} to float32 into {@code dstF32} (which holds at least as many floats). */
    public static void toF32(Tensor src, MemorySegment dstF32) {
        long count = src.elementCount();
        SegmentChecks.f32(dstF32, count, "dstF32");
        MemorySegment data = src.data();
        switch (src.dtype()) {
            case F32 -> MemorySegment.copy(data, 0, dstF32, 0, count * Float.BYTES);
            case BF16 -> {
                for (long i = 0; i < count; i++) {
                    dstF32.setAtIndex(Layouts.F32, i, FloatFormats.bf16ToF32(data.getAtIndex(Layouts.I16, i)));
                }
            }
            case F16 -> {
                for (long i = 0; i < count; i++) {
                    dstF32.setAtIndex(Layouts.F32, i, FloatFormats.f16ToF32(data.getAtIndex(Layouts.I16, i)));
                }
            }
            case F64, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL -> {
                for (long i = 0; i < count; i++) {
                    dstF32.setAtIndex(Layouts.F32, i, src.getFloat(i));
                }
            }
        }
    }

    /**
     * Narrows {@code srcF32} into every element of {@code dst}: floats round to nearest even, integers truncate
     * toward zero like a Java cast, BOOL stores nonzero (NaN included) as 1.
     */
    public static void fromF32(MemorySegment srcF32, Tensor dst) {
        long count = dst.elementCount();
        SegmentChecks.f32(srcF32, count, "srcF32");
        MemorySegment data = dst.data();
        switch (dst.dtype()) {
            case F32 -> MemorySegment.copy(srcF32, 0, data, 0, count * Float.BYTES);
            case BF16 -> {
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(Layouts.I16, i, FloatFormats.f32ToBf16(srcF32.getAtIndex(Layouts.F32, i)));
                }
            }
            case F16 -> {
                for (long i = 0; i < count; i++) {
                    data.setAtIndex(Layouts.I16, i, FloatFormats.f32ToF16(srcF32.getAtIndex(Layouts.F32, i)));
                }
            }
            case F64, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL -> {
                for (long i = 0; i < count; i++) {
                    dst.setFloat(i, srcF32.getAtIndex(Layouts.F32, i));
                }
            }
        }
    }
}
