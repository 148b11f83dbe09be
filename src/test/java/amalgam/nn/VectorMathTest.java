package amalgam.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The polynomial exp against {@code Math.exp} (within 2 float32 ulps: Cephes' minimax polynomial is good to about 1
 * ulp, and the final scaling adds one rounding), and every vector loop against its scalar twin bit for bit (the
 * point of owning exp: results must not depend on how the loop was compiled).
 */
class VectorMathTest {
    @Test
    void expIsWithinTwoUlpsOfTheCorrectlyRoundedValue() {
        for (float x = -87f; x <= 88.3f; x += 0.0137f) {
            float expected = (float) Math.exp(x);
            float actual = VectorMath.exp(x);
            assertTrue(Math.abs(actual - expected) <= 2 * Math.ulp(expected), "exp(" + x + ") = " + actual + ", expected " + expected);
        }
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(0f, VectorMath.exp(-100f));
        assertEquals(0f, VectorMath.exp(-Float.MAX_VALUE));
        assertTrue(Float.isFinite(VectorMath.exp(1000f)));
    }

    @Test
    void vectorExpEqualsTheScalarTwinBitForBit() {
        SplittableRandom random = new SplittableRandom(5);
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] values = new float[lanes * 200];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 200 - 100);
        }
        values[0] = -Float.MAX_VALUE;
        values[1] = 0f;
        for (int i = 0; i < values.length; i += lanes) {
            float[] out = VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, values, i)).toArray();
            for (int j = 0; j < lanes; j++) {
                assertEquals(Float.floatToRawIntBits(VectorMath.exp(values[i + j])), Float.floatToRawIntBits(out[j]), "x = " + values[i + j]);
            }
        }
    }

    @Test
    void loopsGiveTheSameBitsWhateverTheSplitBetweenVectorBodyAndTail() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 3 * FloatVector.SPECIES_PREFERRED.length() + 5;
            Tensor x = random(arena, n, 11);
            Tensor g = random(arena, n, 12);
            // the whole run (vector body + tail) against one element at a time (tail only)
            Tensor whole = Tensor.allocate(arena, DType.F32, Shape.of(n));
            Tensor single = Tensor.allocate(arena, DType.F32, Shape.of(n));
            VectorMath.sigmoidGate(n, 1.702f, x.data(), 0, whole.data(), 0);
            for (int i = 0; i < n; i++) {
                VectorMath.sigmoidGate(1, 1.702f, x.data(), i, single.data(), i);
            }
            assertSameBits(whole, single);
            whole.data().fill((byte) 0);
            single.data().fill((byte) 0);
            VectorMath.sigmoidGateBackward(n, 1.702f, x.data(), g.data(), whole.data(), 0);
            for (int i = 0; i < n; i++) {
                VectorMath.sigmoidGateBackward(1, 1.702f, x.data(), g.data(), single.data(), i);
            }
            assertSameBits(whole, single);
            double total = VectorMath.expShifted(n, 0.5f, x.data(), 0, whole.data(), 0);
            double expected = 0;
            for (int i = 0; i < n; i++) {
                float e = VectorMath.exp(x.getFloat(i) - 0.5f);
                assertEquals(Float.floatToRawIntBits(e), Float.floatToRawIntBits(whole.getFloat(i)));
                expected += e;
            }
            assertEquals(expected, total, 1e-5 * expected);
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x.getFloat(i));
            }
            assertEquals(max, VectorMath.max(n, x.data(), 0));
        }
    }

    @Test
    void sigmoidGateDerivativeMatchesFiniteDifferences() {
        for (float x = -6f; x <= 6f; x += 0.37f) {
            double h = 1e-3;
            double numeric = (gate(x + h) - gate(x - h)) / (2 * h);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, x);
                MemorySegment g = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, 1f);
                MemorySegment target = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0f);
                VectorMath.sigmoidGateBackward(1, 1.702f, in, g, target, 0);
                assertEquals(numeric, target.get(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0), 1e-4, "x = " + x);
            }
        }
    }

    private static double gate(double x) {
        return x / (1 + Math.exp(-1.702 * x));
    }

    private static Tensor random(Arena arena, int n, long seed) {
        Tensor tensor = Tensor.allocate(arena, DType.F32, Shape.of(n));
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            tensor.setFloat(i, (float) (random.nextGaussian() * 4));
        }
        return tensor;
    }

    private static void assertSameBits(Tensor a, Tensor b) {
        for (long i = 0; i < a.elementCount(); i++) {
            assertEquals(Float.floatToRawIntBits(a.getFloat(i)), Float.floatToRawIntBits(b.getFloat(i)), "element " + i);
        }
    }
}
