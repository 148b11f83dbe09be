package amalgam.nn;

import amalgam.tensor.Layouts;
import amalgam.tensor.kernel.F32Kernels;
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

    /** y[yOffset + i] = fma(alpha, x[xOffset + i], y[yOffset + i]) for i in [0, n): {@link F32Kernels#fusedAxpyInPlace}. */
    static void axpy(int n, float alpha, MemorySegment x, long xOffset, MemorySegment y, long yOffset) {
        F32Kernels.fusedAxpyInPlace(alpha, x, xOffset, y, yOffset, n);
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

    /** sum of (x[i] − mean)² over a run of n floats: float lanes per vector block, then lanes and tail in double. */
    static double squaredDeviations(int n, MemorySegment x, long offset, float mean) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector d = FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER).sub(mean);
            acc = d.fma(d, acc);
        }
        double total = lanesInOrder(acc);
        for (; i < n; i++) {
            float d = get(x, offset + i) - mean;
            total += d * d;
        }
        return total;
    }

    /** out[offset + i] = (x[offset + i] − mean) rstd · w[i] + b[i] (layer norm's affine output). */
    static void normalizeAffine(int n, MemorySegment x, long offset, float mean, float rstd, MemorySegment w, MemorySegment b,
                                MemorySegment out) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector xhat = FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER).sub(mean).mul(rstd);
            FloatVector wv = FloatVector.fromMemorySegment(SPECIES, w, (long) i * 4, ORDER);
            FloatVector bv = FloatVector.fromMemorySegment(SPECIES, b, (long) i * 4, ORDER);
            xhat.fma(wv, bv).intoMemorySegment(out, (offset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            float xhat = (get(x, offset + i) - mean) * rstd;
            set(out, offset + i, Math.fma(xhat, get(w, i), get(b, i)));
        }
    }

    /**
     * Layer norm backward's two row sums with h = g w and xhat = (x − mean) rstd: {sum h, sum h xhat}, in float lanes
     * per vector block, then lanes and tail in double.
     */
    static double[] layerNormGradientSums(int n, MemorySegment g, MemorySegment x, long offset, float mean, float rstd,
                                          MemorySegment w) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        FloatVector sumH = FloatVector.zero(SPECIES);
        FloatVector sumHXhat = FloatVector.zero(SPECIES);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector h = FloatVector.fromMemorySegment(SPECIES, g, (offset + i) * 4, ORDER)
                    .mul(FloatVector.fromMemorySegment(SPECIES, w, (long) i * 4, ORDER));
            FloatVector xhat = FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER).sub(mean).mul(rstd);
            sumH = sumH.add(h);
            sumHXhat = h.fma(xhat, sumHXhat);
        }
        double h0 = lanesInOrder(sumH);
        double h1 = lanesInOrder(sumHXhat);
        for (; i < n; i++) {
            float h = get(g, offset + i) * get(w, i);
            float xhat = (get(x, offset + i) - mean) * rstd;
            h0 += h;
            h1 += h * xhat;
        }
        return new double[] {h0, h1};
    }

    /** target[offset + i] += rstd (h − meanH − xhat meanHXhat), with h and xhat as in {@link #layerNormGradientSums}. */
    static void layerNormInputGradient(int n, MemorySegment g, MemorySegment x, long offset, float mean, float rstd,
                                       MemorySegment w, float meanH, float meanHXhat, MemorySegment target) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            long at = (offset + i) * 4;
            FloatVector h = FloatVector.fromMemorySegment(SPECIES, g, at, ORDER)
                    .mul(FloatVector.fromMemorySegment(SPECIES, w, (long) i * 4, ORDER));
            FloatVector xhat = FloatVector.fromMemorySegment(SPECIES, x, at, ORDER).sub(mean).mul(rstd);
            FloatVector dx = h.sub(meanH).sub(xhat.mul(meanHXhat)).mul(rstd);
            FloatVector.fromMemorySegment(SPECIES, target, at, ORDER).add(dx).intoMemorySegment(target, at, ORDER);
        }
        for (; i < n; i++) {
            float h = get(g, offset + i) * get(w, i);
            float xhat = (get(x, offset + i) - mean) * rstd;
            float dx = (h - meanH - xhat * meanHXhat) * rstd;
            set(target, offset + i, get(target, offset + i) + dx);
        }
    }

    /** dw[wOffset + i] += g[offset + i] (x[offset + i] − mean) rstd (layer norm's weight gradient, one row). */
    static void addNormalizedProduct(int n, MemorySegment g, MemorySegment x, long offset, float mean, float rstd,
                                     MemorySegment dw, long wOffset) {
        int i = 0;
        int bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector xhat = FloatVector.fromMemorySegment(SPECIES, x, (offset + i) * 4, ORDER).sub(mean).mul(rstd);
            FloatVector gv = FloatVector.fromMemorySegment(SPECIES, g, (offset + i) * 4, ORDER);
            FloatVector dv = FloatVector.fromMemorySegment(SPECIES, dw, (wOffset + i) * 4, ORDER);
            gv.fma(xhat, dv).intoMemorySegment(dw, (wOffset + i) * 4, ORDER);
        }
        for (; i < n; i++) {
            float xhat = (get(x, offset + i) - mean) * rstd;
            set(dw, wOffset + i, Math.fma(get(g, offset + i), xhat, get(dw, wOffset + i)));
        }
    }

    /** The grain (elements per parallel block) for cheap element-wise loops. */
    static final long ELEMENT_GRAIN = 1 << 15;

    /** Rows per parallel block so a block holds about {@link #ELEMENT_GRAIN} elements. */
    static long rowGrain(long rowLength) {
        return Math.max(1, ELEMENT_GRAIN / Math.max(1, rowLength));
    }
}
