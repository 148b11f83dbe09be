package amalgam.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Exhaustive round trips over every 16-bit pattern, and float32 narrowing checked against an independent
 * round-to-nearest-even reference that decodes each target format from its definition and compares distances
 * exactly with BigDecimal.
 */
class FloatFormatsTest {

    /** A binary float format described by its field widths; codes here are sign-less magnitudes. */
    private record Format(String name, int exponentBits, int mantissaBits, int maxFiniteCode) {
        int bias() {
            return (1 << (exponentBits - 1)) - 1;
        }

        /** Value of a magnitude code from the definition; one code past the largest finite is its overflow target. */
        double decode(int code) {
            int exponent = code >>> mantissaBits;
            int mantissa = code & ((1 << mantissaBits) - 1);
            double fraction = (double) mantissa / (1 << mantissaBits);
            return exponent == 0
                    ? Math.scalb(fraction, 1 - bias())
                    : Math.scalb(1 + fraction, exponent - bias());
        }

        /** Round-to-nearest-even reference: the nearest code among 0..maxFinite+1, ties to the even code. */
        int roundMagnitude(float magnitude) {
            BigDecimal x = new BigDecimal(magnitude);
            int low = 0;
            int high = maxFiniteCode + 1;
            if (x.compareTo(new BigDecimal(decode(high))) >= 0) {
                return high;
            }
            while (high - low > 1) { // invariant: decode(low) <= x < decode(high)
                int middle = (low + high) >>> 1;
                if (new BigDecimal(decode(middle)).compareTo(x) <= 0) {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            int order = x.subtract(new BigDecimal(decode(low)))
                    .compareTo(new BigDecimal(decode(high)).subtract(x));
            if (order != 0) {
                return order < 0 ? low : high;
            }
            return (low & 1) == 0 ? low : high;
        }
    }

    private static final Format BF16 = new Format("bf16", 8, 7, 0x7F7F);
    private static final Format F16 = new Format("f16", 5, 10, 0x7BFF);
    private static final Format E4M3 = new Format("e4m3fn", 4, 3, 0x7E);
    private static final Format E5M2 = new Format("e5m2", 5, 2, 0x7B);

    @Test
    void bf16RoundTripsEveryPattern() {
        for (int code = 0; code < 0x10000; code++) {
            short bits = (short) code;
            float value = FloatFormats.bf16ToF32(bits);
            short back = FloatFormats.f32ToBf16(value);
            assertRoundTrip(code, Float.isNaN(value), back & 0xFFFF, 15, 0x7F80, 0x7F);
        }
    }

    @Test
    void f16RoundTripsEveryPattern() {
        for (int code = 0; code < 0x10000; code++) {
            short bits = (short) code;
            float value = FloatFormats.f16ToF32(bits);
            short back = FloatFormats.f32ToF16(value);
            assertRoundTrip(code, Float.isNaN(value), back & 0xFFFF, 15, 0x7C00, 0x3FF);
        }
    }

    @Test
    void f8RoundTripsEveryCode() {
        for (int code = 0; code < 0x100; code++) {
            float e4m3 = FloatFormats.f8e4m3ToF32((byte) code);
            assertRoundTrip(code, Float.isNaN(e4m3), FloatFormats.f32ToF8e4m3(e4m3) & 0xFF, 7, 0x78, 0x7);
            float e5m2 = FloatFormats.f8e5m2ToF32((byte) code);
            assertRoundTrip(code, Float.isNaN(e5m2), FloatFormats.f32ToF8e5m2(e5m2) & 0xFF, 7, 0x7C, 0x3);
        }
    }

    /** Identity for numbers; a NaN must come back as a NaN (all-ones exponent, nonzero mantissa) with its sign. */
    private static void assertRoundTrip(int code, boolean isNaN, int back, int signBit, int exponentMask, int mantissaMask) {
        if (!isNaN) {
            assertEquals(code, back, () -> "pattern 0x" + Integer.toHexString(code));
            return;
        }
        assertEquals(code >>> signBit, back >>> signBit, () -> "NaN sign of 0x" + Integer.toHexString(code));
        assertEquals(exponentMask, back & exponentMask, () -> "NaN 0x" + Integer.toHexString(code) + " -> 0x" + Integer.toHexString(back));
        assertTrue((back & mantissaMask) != 0, () -> "NaN 0x" + Integer.toHexString(code) + " became infinity");
    }

    @Test
    void bf16NarrowingMatchesReference() {
        checkNarrowing(BF16, bits -> FloatFormats.f32ToBf16(Float.intBitsToFloat(bits)) & 0xFFFF, 15);
    }

    @Test
    void f16NarrowingMatchesReference() {
        checkNarrowing(F16, bits -> FloatFormats.f32ToF16(Float.intBitsToFloat(bits)) & 0xFFFF, 15);
    }

    @Test
    void e4m3NarrowingMatchesReference() {
        checkNarrowing(E4M3, bits -> FloatFormats.f32ToF8e4m3(Float.intBitsToFloat(bits)) & 0xFF, 7);
    }

    @Test
    void e5m2NarrowingMatchesReference() {
        checkNarrowing(E5M2, bits -> FloatFormats.f32ToF8e5m2(Float.intBitsToFloat(bits)) & 0xFF, 7);
    }

    private static void checkNarrowing(Format format, IntUnaryOperator convert, int signBit) {
        int nanMagnitude = format == E4M3 ? 0x7F : ((1 << format.exponentBits) - 1) << format.mantissaBits;
        for (int bits : samples()) {
            float value = Float.intBitsToFloat(bits);
            int sign = bits >>> 31;
            int actual = convert.applyAsInt(bits);
            int magnitude = actual & ((1 << signBit) - 1);
            assertEquals(sign, actual >>> signBit, () -> format.name + " sign of " + value);
            if (Float.isNaN(value)) {
                assertTrue(magnitude >= nanMagnitude && (format == E4M3 || magnitude > nanMagnitude),
                        () -> format.name + " NaN 0x" + Integer.toHexString(bits) + " -> 0x" + Integer.toHexString(actual));
                continue;
            }
            int expected = Float.isInfinite(value) ? format.maxFiniteCode + 1 : format.roundMagnitude(Math.abs(value));
            assertEquals(expected, magnitude, () -> format.name + " of " + value + " (0x" + Integer.toHexString(bits) + ")");
        }
    }

    /** Every float exponent with edge mantissas (rounding ties, just-below and just-above ties), plus random bits. */
    private static int[] samples() {
        int[] edgeMantissas = {0, 1, 2, 0x7FFFFF, 0x7FFFFE, 0x400000};
        java.util.ArrayList<Integer> mantissas = new java.util.ArrayList<>();
        for (int mantissa : edgeMantissas) {
            mantissas.add(mantissa);
        }
        for (int shift = 13; shift <= 22; shift++) { // the dropped-bit counts of f16, bf16 and the f8 formats
            int half = 1 << (shift - 1);
            for (int above : new int[] {0, 1 << shift, 3 << shift, 0x7FFFFF & ~((1 << shift) - 1)}) {
                for (int delta = -1; delta <= 1; delta++) {
                    mantissas.add((above + half + delta) & 0x7FFFFF);
                }
            }
        }
        Random random = new Random(20240611);
        int randomCount = 300_000;
        int[] samples = new int[2 * 256 * mantissas.size() + randomCount];
        int n = 0;
        for (int sign = 0; sign < 2; sign++) {
            for (int exponent = 0; exponent < 256; exponent++) {
                for (int mantissa : mantissas) {
                    samples[n++] = (sign << 31) | (exponent << 23) | mantissa;
                }
            }
        }
        for (int i = 0; i < randomCount; i++) {
            // half fully random, half concentrated on the exponents where narrow formats live
            samples[n++] = i % 2 == 0 ? random.nextInt()
                    : (random.nextInt() & 0x807FFFFF) | ((100 + random.nextInt(60)) << 23);
        }
        return samples;
    }

    @Test
    void e4m3DecodesHandValues() {
        assertEquals(448f, FloatFormats.f8e4m3ToF32((byte) 0x7E));
        assertEquals(-448f, FloatFormats.f8e4m3ToF32((byte) 0xFE));
        assertEquals(0x1p-9f, FloatFormats.f8e4m3ToF32((byte) 0x01));
        assertEquals(0x7p-9f, FloatFormats.f8e4m3ToF32((byte) 0x07));
        assertEquals(0x1p-6f, FloatFormats.f8e4m3ToF32((byte) 0x08));
        assertEquals(1f, FloatFormats.f8e4m3ToF32((byte) 0x38));
        assertEquals(1.125f, FloatFormats.f8e4m3ToF32((byte) 0x39));
        assertEquals(256f, FloatFormats.f8e4m3ToF32((byte) 0x78));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatFormats.f8e4m3ToF32((byte) 0x80)));
        assertTrue(Float.isNaN(FloatFormats.f8e4m3ToF32((byte) 0x7F)));
        assertTrue(Float.isNaN(FloatFormats.f8e4m3ToF32((byte) 0xFF)));
        int nanCodes = 0;
        for (int code = 0; code < 256; code++) {
            float value = FloatFormats.f8e4m3ToF32((byte) code);
            nanCodes += Float.isNaN(value) ? 1 : 0;
            assertTrue(!Float.isInfinite(value), "e4m3fn has no infinities");
        }
        assertEquals(2, nanCodes);
    }

    @Test
    void e5m2DecodesHandValues() {
        assertEquals(57344f, FloatFormats.f8e5m2ToF32((byte) 0x7B));
        assertEquals(0x1p-16f, FloatFormats.f8e5m2ToF32((byte) 0x01));
        assertEquals(0x3p-16f, FloatFormats.f8e5m2ToF32((byte) 0x03));
        assertEquals(0x1p-14f, FloatFormats.f8e5m2ToF32((byte) 0x04));
        assertEquals(1f, FloatFormats.f8e5m2ToF32((byte) 0x3C));
        assertEquals(1.25f, FloatFormats.f8e5m2ToF32((byte) 0x3D));
        assertEquals(Float.POSITIVE_INFINITY, FloatFormats.f8e5m2ToF32((byte) 0x7C));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.f8e5m2ToF32((byte) 0xFC));
        for (int code : new int[] {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}) {
            assertTrue(Float.isNaN(FloatFormats.f8e5m2ToF32((byte) code)), "code " + code);
        }
    }

    @Test
    void f8OverflowFollowsTorch() {
        assertEquals(0x7E, FloatFormats.f32ToF8e4m3(464f) & 0xFF, "tie at 464 goes to the even 448");
        assertEquals(0x7F, FloatFormats.f32ToF8e4m3(465f) & 0xFF);
        assertEquals(0xFF, FloatFormats.f32ToF8e4m3(Float.NEGATIVE_INFINITY) & 0xFF);
        assertEquals(0x7F, FloatFormats.f32ToF8e4m3(1e30f) & 0xFF);
        assertEquals(0x7B, FloatFormats.f32ToF8e5m2(61439f) & 0xFF);
        assertEquals(0x7C, FloatFormats.f32ToF8e5m2(61440f) & 0xFF);
        assertEquals(0x00, FloatFormats.f32ToF8e4m3(0x1p-10f) & 0xFF, "tie at half the smallest subnormal goes to zero");
        assertEquals(0x01, FloatFormats.f32ToF8e4m3(Math.nextUp(0x1p-10f)) & 0xFF);
    }
}
