package amalgam.nn;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The few vectorized loops the ops share, over F32 segments addressed by element index. Each has an explicit vector
 * loop bound followed by a scalar tail; the tail is the scalar twin of the vector body.
 */
final class Floats {
    static final ValueLayout.OfFloat LAYOUT = Layouts.F32;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private Floats() {
    }

    static float get(MemorySegment segment, long index) {
        return segment.getAtIndex(LAYOUT, index);
    }

    static void set(MemorySegment segment, long index, float value) {
        segment.setAtIndex(LAYOUT, index, value);
    }

    /** y[yOffset + i] += alpha * x[xOffset + i] for i in [0, n). */
    static void axpy(int n, float alpha, MemorySegment x, long xOffset, MemorySegment y, long yOffset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        FloatVector a = FloatVector.broadcast(SPECIES, alpha);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector xv = FloatVector.fromMemorySegment(SPECIES, x, (xOffset + i) * 4, ORDER);
            FloatVector yv = FloatVector.fromMemorySegment(SPECIES, y, (yOffset + i) * 4, ORDER);
            xv.fma(a, yv).intoMemorySegment(y, (yOffset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            set(y, yOffset + i, Math.fma(alpha, get(x, xOffset + i), get(y, yOffset + i)));
        }
    }

    /** out[i] = a[i] + b[i] (out may alias a or b). */
    static void add(int n, MemorySegment a, long aOffset, MemorySegment b, long bOffset, MemorySegment out, long outOffset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector av = FloatVector.fromMemorySegment(SPECIES, a, (aOffset + i) * 4, ORDER);
            FloatVector bv = FloatVector.fromMemorySegment(SPECIES, b, (bOffset + i) * 4, ORDER);
            av.add(bv).intoMemorySegment(out, (outOffset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            set(out, outOffset + i, get(a, aOffset + i) + get(b, bOffset + i));
        }
    }

    /** out[i] = a[i] * b[i] (out may alias a or b). */
    static void multiply(int n, MemorySegment a, long aOffset, MemorySegment b, long bOffset, MemorySegment out,
            long outOffset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector av = FloatVector.fromMemorySegment(SPECIES, a, (aOffset + i) * 4, ORDER);
            FloatVector bv = FloatVector.fromMemorySegment(SPECIES, b, (bOffset + i) * 4, ORDER);
            av.mul(bv).intoMemorySegment(out, (outOffset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            set(out, outOffset + i, get(a, aOffset + i) * get(b, bOffset + i));
        }
    }

    /**
     * The lanes added one after another in double. {@code reduceLanes(ADD)} leaves the order open, and the compiled
     * and interpreted forms of a loop do differ, so a result would depend on which thread ran warm code.
     */
    private static double lanesInOrder(FloatVector vector) {
        double total = 0;
        for (float lane : vector.toArray()) {
            total += lane;
        }
        return total;
    }

    /** The sum of x[offset .. offset + n), accumulated in float lanes per vector block then in double. */
    static double sum(int n, MemorySegment x, long offset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        double total = 0;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (; i < bound; i += SPECIES.length()) {
            acc = acc.add(FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER));
        }
        total += lanesInOrder(acc);
        for (; i < n; i++) {
            total += get(x, offset + i);
        }
        return total;
    }

    /** The dot product of two runs of n floats, accumulated as in {@link #sum}. */
    static double dot(int n, MemorySegment a, long aOffset, MemorySegment b, long bOffset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        double total = 0;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector av = FloatVector.fromMemorySegment(SPECIES, a, (aOffset + i) * 4, ORDER);
            FloatVector bv = FloatVector.fromMemorySegment(SPECIES, b, (bOffset + i) * 4, ORDER);
            acc = av.fma(bv, acc);
        }
        total += lanesInOrder(acc);
        for (; i < n; i++) {
            total += (double) get(a, aOffset + i) * get(b, bOffset + i);
        }
        return total;
    }

    /** x[i] *= alpha in place. */
    static void scaleInPlace(int n, float alpha, MemorySegment x, long offset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER).mul(alpha)
                    .intoMemorySegment(x, (offset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            set(x, offset + i, get(x, offset + i) * alpha);
        }
    }

    /** The grain (elements per parallel block) for cheap element-wise loops. */
    static final long ELEMENT_GRAIN = 1 << 15;

    /** Rows per parallel block so a block holds about {@link #ELEMENT_GRAIN} elements. */
    static long rowGrain(long rowLength) {
        return Math.max(1, ELEMENT_GRAIN / Math.max(1, rowLength));
    }
}
