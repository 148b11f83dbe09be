package amalgam.tensor.kernel;

import amalgam.tensor.DType;
import amalgam.tensor.FloatFormats;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Bulk dtype conversion to and from float32. BF16 to and from F32 and F16 to F32 are vectorized; the other dtypes
 * go through {@link ScalarConvert}, whose results these match bit for bit (for NaN inputs: NaN with the same sign).
 *
 * <ul>
 *   <li>BF16 -> F32: widen each 16-bit pattern to 32 bits and shift left by 16 (exact, NaN payloads kept).</li>
 *   <li>F32 -> BF16: round to nearest even on the bit pattern; NaN becomes a quiet NaN with its sign.</li>
 *   <li>F16 -> F32: move exponent and mantissa into float position and multiply by 2^112, which rebiases normals
 *       and normalises subnormals exactly; the all-ones exponent maps to infinity / NaN.</li>
 * </ul>
 */
public final class Convert {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Half-width shorts with the same lane count as {@link #INTS}. */
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(INTS.vectorBitSize() / 2));
    private static final int LANES = INTS.length();
    private static final boolean VECTOR = SHORTS.length() == LANES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Convert() {
    }

    /** Widens every element of {@code src} to float32 into {@code dstF32} (which holds at least as many floats). */
    public static void toF32(Tensor src, MemorySegment dstF32) {
        long count = src.elementCount();
        SegmentChecks.f32(dstF32, count, "dstF32");
        switch (src.dtype()) {
            case BF16 -> bf16ToF32(src.data(), dstF32, count);
            case F16 -> f16ToF32(src.data(), dstF32, count);
            case F32, F64, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL -> ScalarConvert.toF32(src, dstF32);
        }
    }

    /** A new float32 tensor of the same shape in the arena, holding {@code t} widened (always a copy). */
    public static Tensor toF32(Tensor t, Arena arena) {
        Shape shape = t.shape();
        Tensor result = Tensor.allocate(arena, DType.F32, shape);
        toF32(t, result.data());
        return result;
    }

    /** Narrows {@code srcF32} into every element of {@code dst}, rounding to nearest even; see {@link ScalarConvert#fromF32}. */
    public static void fromF32(MemorySegment srcF32, Tensor dst) {
        long count = dst.elementCount();
        SegmentChecks.f32(srcF32, count, "srcF32");
        switch (dst.dtype()) {
            case BF16 -> f32ToBf16(srcF32, dst.data(), count);
            case F32, F16, F64, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL -> ScalarConvert.fromF32(srcF32, dst);
        }
    }

    static void bf16ToF32(MemorySegment src, MemorySegment dst, long count) {
        long bound = VECTOR ? count - count % LANES : 0;
        long i = 0;
        for (; i < bound; i += LANES) {
            ShortVector halves = ShortVector.fromMemorySegment(SHORTS, src, i * Short.BYTES, LE);
            IntVector widened = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoMemorySegment(dst, i * Float.BYTES, LE);
        }
        for (; i < count; i++) {
            dst.setAtIndex(Layouts.F32, i, FloatFormats.bf16ToF32(src.getAtIndex(Layouts.I16, i)));
        }
    }

    static void f32ToBf16(MemorySegment src, MemorySegment dst, long count) {
        long bound = VECTOR ? count - count % LANES : 0;
        long i = 0;
        for (; i < bound; i += LANES) {
            IntVector bits = FloatVector.fromMemorySegment(FLOATS, src, i * Float.BYTES, LE).reinterpretAsInts();
            IntVector upper = bits.lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
            IntVector rounded = bits.add(upper.and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16);
            IntVector result = rounded.blend(upper.or(0x0040), nan);
            result.convertShape(VectorOperators.I2S, SHORTS, 0).intoMemorySegment(dst, i * Short.BYTES, LE);
        }
        for (; i < count; i++) {
            dst.setAtIndex(Layouts.I16, i, FloatFormats.f32ToBf16(src.getAtIndex(Layouts.F32, i)));
        }
    }

    static void f16ToF32(MemorySegment src, MemorySegment dst, long count) {
        long bound = VECTOR ? count - count % LANES : 0;
        long i = 0;
        for (; i < bound; i += LANES) {
            ShortVector halves = ShortVector.fromMemorySegment(SHORTS, src, i * Short.BYTES, LE);
            IntVector bits = (IntVector) halves.convertShape(VectorOperators.S2I, INTS, 0);
            IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
            IntVector finite = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            VectorMask<Integer> special = bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
            IntVector result = finite.blend(magnitude.or(0x7F80_0000), special).or(sign);
            result.reinterpretAsFloats().intoMemorySegment(dst, i * Float.BYTES, LE);
        }
        for (; i < count; i++) {
            dst.setAtIndex(Layouts.F32, i, FloatFormats.f16ToF32(src.getAtIndex(Layouts.I16, i)));
        }
    }
}
