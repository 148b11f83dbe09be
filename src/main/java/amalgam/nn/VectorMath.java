package amalgam.nn;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and the activations built on it, vectorized with a scalar twin that gives the same bits. The Vector API's own
 * {@code EXP} is an intrinsic when compiled and a Java loop when interpreted, and the two differ in the last bits, so a
 * result would depend on which thread ran warm code; this exp uses only IEEE operations (fma, add, multiply, integer
 * shifts), which every execution mode rounds alike.
 *
 * <p>exp(x) = 2^n · e^r with n = round(x log2 e) (the 1.5·2^23 trick rounds to nearest even), r = x − n ln 2 in two
 * parts (Cody-Waite), e^r = 1 + r + r² p(r) with Cephes' degree-5 minimax p; about 1 ulp on [−87.3, 88.7]. Inputs
 * below −87.33 give 0 (float32 underflow, as {@code Math.exp} rounded to float would, bar denormals); inputs above
 * 88.37 give exp(88.37) ≈ 2.4e38 (the scale 2^n must stay a normal float, and float32 overflows at 88.72 anyway).
 */
final class VectorMath {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUNDER = 12582912f; // 1.5 * 2^23
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
    private static final float MAX_INPUT = 88.37f; // n = round(x log2 e) must stay <= 127 for 2^n to be a float
    private static final float UNDERFLOW = -87.33654f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    private VectorMath() {
    }

    static float exp(float x) {
        if (x < UNDERFLOW) {
            return 0f;
        }
        float clamped = Math.min(x, MAX_INPUT);
        float t = Math.fma(clamped, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, clamped);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float er = Math.fma(p, r * r, r) + 1f;
        int exponent = Float.floatToRawIntBits(t) - ROUNDER_BITS;
        return er * Float.intBitsToFloat((exponent + 127) << 23);
    }

    static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.compare(VectorOperators.LT, UNDERFLOW);
        FloatVector clamped = x.min(MAX_INPUT);
        FloatVector t = clamped.fma(LOG2E, ROUNDER);
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), clamped);
        r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1); // P0 * r + P1: the product of an fma commutes exactly
        p = p.fma(r, FloatVector.broadcast(SPECIES, P2));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P3));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P4));
        p = p.fma(r, FloatVector.broadcast(SPECIES, P5));
        FloatVector er = p.fma(r.mul(r), r).add(1f);
        IntVector exponent = ((IntVector) t.reinterpretAsInts()).sub(ROUNDER_BITS).add(127).lanewise(VectorOperators.LSHL, 23);
        return er.mul(exponent.reinterpretAsFloats()).blend(0f, underflow);
    }

    /** 1 / (1 + exp(−x)). */
    static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(SPECIES, 1f).div(exp(x.neg()).add(1f));
    }

    /** out[i] = x sigmoid(alpha x) (quick GELU for alpha = 1.702; out may alias in). */
    static void sigmoidGate(long n, float alpha, MemorySegment in, long inOffset, MemorySegment out, long outOffset) {
        long i = 0;
        long bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, in, (inOffset + i) * 4, ORDER);
            x.mul(sigmoid(x.mul(alpha))).intoMemorySegment(out, (outOffset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            float x = Floats.get(in, inOffset + i);
            Floats.set(out, outOffset + i, x * sigmoid(x * alpha));
        }
    }

    /** target[i] += g[i] d/dx (x sigmoid(alpha x)) = g (s + alpha x s (1 − s)), s = sigmoid(alpha x). */
    static void sigmoidGateBackward(long n, float alpha, MemorySegment in, MemorySegment g, MemorySegment target, long offset) {
        long i = 0;
        long bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            long at = (offset + i) * 4;
            FloatVector ax = FloatVector.fromMemorySegment(SPECIES, in, at, ORDER).mul(alpha);
            FloatVector s = sigmoid(ax);
            FloatVector derivative = ax.mul(s).mul(s.neg().add(1f)).add(s);
            FloatVector gv = FloatVector.fromMemorySegment(SPECIES, g, at, ORDER);
            FloatVector.fromMemorySegment(SPECIES, target, at, ORDER).add(derivative.mul(gv)).intoMemorySegment(target, at, ORDER);
        }
        for (; i < n; i++) {
            long at = offset + i;
            float ax = Floats.get(in, at) * alpha;
            float s = sigmoid(ax);
            float derivative = ax * s * (1f - s) + s;
            Floats.set(target, at, Floats.get(target, at) + derivative * Floats.get(g, at));
        }
    }

    /** max of x[offset .. offset + n) (−inf when n = 0); max is exact, so lane order does not matter. */
    static float max(int n, MemorySegment x, long offset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        float max = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += SPECIES.length()) {
                acc = acc.max(FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER));
            }
            max = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, Floats.get(x, offset + i));
        }
        return max;
    }

    /**
     * out[i] = exp(x[i] − shift) for a run of n floats (out may alias x); returns their sum, accumulated in float
     * lanes per vector block, then lane by lane and the tail in double (a fixed order).
     */
    static double expShifted(int n, float shift, MemorySegment x, long xOffset, MemorySegment out, long outOffset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector e = exp(FloatVector.fromMemorySegment(SPECIES, x, (xOffset + i) * 4, ORDER).sub(shift));
            e.intoMemorySegment(out, (outOffset + i) * 4, ORDER);
            acc = acc.add(e);
        }
        double total = 0;
        for (float lane : acc.toArray()) {
            total += lane;
        }
        for (; i < n; i++) {
            float e = exp(Floats.get(x, xOffset + i) - shift);
            Floats.set(out, outOffset + i, e);
            total += e;
        }
        return total;
    }
}
