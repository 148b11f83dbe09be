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

    /**
     * float32 -> F8_E4M3 ("fn" variant: no infinities, max 448, NaN is S.1111.111), round to nearest even, as
     * torch's {@code to(torch.float8_e4m3fn)}: a magnitude that rounds above 448 (that is, above 464), an
     * infinity or a NaN becomes the NaN code with the input's sign.
     */
    public static byte f32ToF8e4m3(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 24) & 0x80;
        int magnitude = bits & 0x7FFF_FFFF;
        if (magnitude >= 0x7F80_0000) {
            return (byte) (sign | 0x7F);
        }
        int code = narrowMagnitude(magnitude, 3, 7);
        return (byte) (sign | Math.min(code, 0x7F));
    }

    /**
     * float32 -> F8_E5M2 (IEEE-like: infinities and NaN), round to nearest even directly from float32 (no double
     * rounding through half); a magnitude that rounds above 57344 becomes infinity, a NaN stays a NaN (S.11111.11).
     */
    public static byte f32ToF8e5m2(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 24) & 0x80;
        int magnitude = bits & 0x7FFF_FFFF;
        if (magnitude > 0x7F80_0000) {
            return (byte) (sign | 0x7F);
        }
        if (magnitude == 0x7F80_0000) {
            return (byte) (sign | 0x7C);
        }
        int code = narrowMagnitude(magnitude, 2, 15);
        return (byte) (sign | Math.min(code, 0x7C));
    }

    /**
     * Rounds a finite, non-negative float32 (given as bits) to nearest even in a binary format with the given
     * mantissa width and exponent bias, returning the code without sign. A result past the largest finite code
     * carries into the all-ones exponent; callers clamp it to their overflow code.
     */
    static int narrowMagnitude(int magnitudeBits, int mantissaBits, int bias) {
        int minNormalBits = (127 + 1 - bias) << 23;
        if (magnitudeBits < minNormalBits) {
            // subnormal (or zero) in the target: count units of the smallest subnormal, rounding half to even.
            // Scaling by a power of two is exact here, and Math.rint rounds ties to even.
            float units = Math.scalb(Float.intBitsToFloat(magnitudeBits), bias - 1 + mantissaBits);
            return (int) Math.rint(units);
        }
        int shift = 23 - mantissaBits;
        int rebiased = magnitudeBits - ((127 - bias) << 23);
        int lsb = (rebiased >>> shift) & 1;
        return (rebiased + (1 << (shift - 1)) - 1 + lsb) >>> shift;
    }

    private static float decodeE4m3(int code) {
        int sign = code >>> 7;
        int exponent = (code >>> 3) & 0xF;
        int mantissa = code & 0x7;
        if (exponent == 0xF && mantissa == 0x7) {
            return Float.intBitsToFloat(sign == 1 ? 0xFFC0_0000 : 0x7FC0_0000);
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
