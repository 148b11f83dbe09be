package amalgam.tensor;

/**
 * Bit-level conversions between float32 and the narrow float formats. Narrowing rounds to nearest, ties to
 * even; NaN stays NaN (sign kept, quiet), infinities and subnormals are preserved where the format has them.
 */
public final class FloatFormats {
    private static final float[] E4M3_TO_F32 = table(FloatFormats::decodeE4m3);
    private static final float[] E5M2_TO_F32 = table(FloatFormats::decodeE5m2);

    private FloatFormats() {
    }

    public static float bf16ToF32(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 -> bfloat16 bits, round to nearest even; a NaN becomes a quiet NaN with the same sign. */
    public static short f32ToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    public static float f16ToF32(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float32 -> IEEE half bits, round to nearest even (the JDK's conversion, intrinsic on x86 F16C). */
    public static short f32ToF16(float value) {
        return Float.floatToFloat16(value);
    }

    public static float f8e4m3ToF32(byte bits) {
        return E4M3_TO_F32[bits & 0xFF];
    }

    public static float f8e5m2ToF32(byte bits) {
        return E5M2_TO_F32[bits & 0xFF];
    }

    /** float32 -> F8_E4M3 (the "fn" variant: no infinities, saturates to +-448, NaN is S.1111.111). */
    public static byte f32ToF8e4m3(float value) {
        return nearestCode(value, E4M3_TO_F32, (byte) 0x7F);
    }

    /** float32 -> F8_E5M2 (IEEE-like: infinities and NaN). */
    public static byte f32ToF8e5m2(float value) {
        if (Float.isNaN(value)) {
            return (byte) (value < 0 ? 0xFF : 0x7F);
        }
        if (Float.isInfinite(value)) {
            return (byte) (value < 0 ? 0xFC : 0x7C);
        }
        // Narrow through half precision: E5M2 is the top byte of an IEEE half, so round that half to nearest even.
        int half = Float.floatToFloat16(value) & 0xFFFF;
        if ((half & 0x7FFF) >= 0x7C00) {
            return (byte) (half >>> 8);
        }
        int rounded = half + 0x7F + ((half >>> 8) & 1);
        return (byte) (rounded >>> 8);
    }

    private static byte nearestCode(float value, float[] table, byte nanCode) {
        if (Float.isNaN(value)) {
            return (byte) (nanCode | (Float.floatToRawIntBits(value) < 0 ? 0x80 : 0));
        }
        int signBit = (Float.floatToRawIntBits(value) < 0) ? 0x80 : 0;
        float magnitude = Math.abs(value);
        int best = 0;
        float bestError = Float.POSITIVE_INFINITY;
        for (int code = 0; code < 0x80; code++) {
            float candidate = table[code];
            if (Float.isNaN(candidate) || Float.isInfinite(candidate)) {
                continue;
            }
            float error = Math.abs(candidate - magnitude);
            // ties go to the even code (last mantissa bit zero)
            if (error < bestError || (error == bestError && (code & 1) == 0)) {
                best = code;
                bestError = error;
            }
        }
        return (byte) (best | signBit);
    }

    private static float decodeE4m3(int code) {
        int sign = code >>> 7;
        int exponent = (code >>> 3) & 0xF;
        int mantissa = code & 0x7;
        if (exponent == 0xF && mantissa == 0x7) {
            return Float.NaN;
        }
        float magnitude = exponent == 0
                ? Math.scalb(mantissa / 8f, -6)
                : Math.scalb(1 + mantissa / 8f, exponent - 7);
        return sign == 1 ? -magnitude : magnitude;
    }

    private static float decodeE5m2(int code) {
        return Float.float16ToFloat((short) (code << 8));
    }

    private interface ByteDecoder {
        float decode(int code);
    }

    private static float[] table(ByteDecoder decoder) {
        float[] table = new float[256];
        for (int code = 0; code < 256; code++) {
            table[code] = decoder.decode(code);
        }
        return table;
    }
}
