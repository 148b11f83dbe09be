package amalgam.fusion.method;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise TIES steps over float32 windows of the rows (see {@link TiesCore}), vectorized with a scalar
 * twin that states the definition. Both give the same bits: per element the same float32 additions in row order
 * from +0 (a masked add leaves a lane as a skipped add would), no FMA, and no reduction across lanes.
 */
final class TiesKernels {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = FLOATS.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private TiesKernels() {
    }

    /** mass[i] += x[i] where |x[i]| ≥ t: one trimmed row added to the running mass. */
    static void addTrimmedInPlace(MemorySegment mass, MemorySegment x, float t, long count) {
        long bound = count - count % LANES;
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector values = FloatVector.fromMemorySegment(FLOATS, x, offset, LE);
            FloatVector.fromMemorySegment(FLOATS, mass, offset, LE)
                    .add(values, values.abs().compare(VectorOperators.GE, t))
                    .intoMemorySegment(mass, offset, LE);
        }
        for (; i < count; i++) {
            float value = x.getAtIndex(Layouts.F32, i);
            if (Math.abs(value) >= t) {
                mass.setAtIndex(Layouts.F32, i, mass.getAtIndex(Layouts.F32, i) + value);
            }
        }
    }

    /** Σ signum(mass[i]) as an integer: #positive − #negative (zeros and NaN count 0). */
    static long signSum(MemorySegment mass, long count) {
        long bound = count - count % LANES;
        long sum = 0;
        long i = 0;
        for (; i < bound; i += LANES) {
            FloatVector values = FloatVector.fromMemorySegment(FLOATS, mass, i * Float.BYTES, LE);
            sum += values.compare(VectorOperators.GT, 0f).trueCount() - values.compare(VectorOperators.LT, 0f).trueCount();
        }
        for (; i < count; i++) {
            sum += (long) Math.signum(mass.getAtIndex(Layouts.F32, i));
        }
        return sum;
    }

    /**
     * The merged (unscaled) window from the rows' windows: trim each row at its threshold, elect the sign of the
     * trimmed sum (zero takes {@code majoritySign}), keep the entries that agree with it and aggregate them.
     */
    static void merge(MemorySegment[] rows, float[] thresholds, float majoritySign, TiesCore.MergeFunction function,
                      MemorySegment out, long count) {
        long bound = count - count % LANES;
        long i = 0;
        for (; i < bound; i += LANES) {
            mergeVector(rows, thresholds, majoritySign, function, out, i * Float.BYTES);
        }
        for (; i < count; i++) {
            out.setAtIndex(Layouts.F32, i, mergeScalar(rows, thresholds, majoritySign, function, i));
        }
    }

    private static void mergeVector(MemorySegment[] rows, float[] thresholds, float majoritySign,
                                    TiesCore.MergeFunction function, MemorySegment out, long offset) {
        FloatVector mass = FloatVector.zero(FLOATS);
        for (int r = 0; r < rows.length; r++) {
            FloatVector x = FloatVector.fromMemorySegment(FLOATS, rows[r], offset, LE);
            mass = mass.add(x, x.abs().compare(VectorOperators.GE, thresholds[r]));
        }
        VectorMask<Float> positive = mass.compare(VectorOperators.GT, 0f);
        VectorMask<Float> negative = mass.compare(VectorOperators.LT, 0f);
        VectorMask<Float> zero = mass.compare(VectorOperators.EQ, 0f);
        // a zero sign takes the majority sign; NaN lanes select nothing
        VectorMask<Float> positiveSide = majoritySign > 0 ? positive.or(zero) : positive;
        VectorMask<Float> negativeSide = majoritySign > 0 ? negative : negative.or(zero);
        FloatVector sum = FloatVector.zero(FLOATS);
        FloatVector maxAbs = FloatVector.zero(FLOATS);
        FloatVector selected = FloatVector.zero(FLOATS);
        for (int r = 0; r < rows.length; r++) {
            FloatVector x = FloatVector.fromMemorySegment(FLOATS, rows[r], offset, LE);
            VectorMask<Float> agrees = positiveSide.and(x.compare(VectorOperators.GT, 0f))
                    .or(negativeSide.and(x.compare(VectorOperators.LT, 0f)))
                    .and(x.abs().compare(VectorOperators.GE, thresholds[r]));
            sum = sum.add(x, agrees);
            maxAbs = maxAbs.blend(maxAbs.max(x.abs()), agrees);
            selected = selected.add(1f, agrees);
        }
        FloatVector result = switch (function) {
            case SUM -> sum;
            case MEAN -> sum.div(selected.max(1f));
            // Math.signum keeps a NaN as it is, so NaN lanes take the mass itself as their sign
            case MAX -> maxAbs.mul(mass.blend(1f, positive).blend(-1f, negative).blend(majoritySign, zero));
        };
        result.intoMemorySegment(out, offset, LE);
    }

    /** The definition, for element {@code i}. */
    static float mergeScalar(MemorySegment[] rows, float[] thresholds, float majoritySign, TiesCore.MergeFunction function,
                             long i) {
        float mass = 0;
        for (int r = 0; r < rows.length; r++) {
            float x = rows[r].getAtIndex(Layouts.F32, i);
            mass += Math.abs(x) >= thresholds[r] ? x : 0f;
        }
        float sign = Math.signum(mass);
        if (sign == 0) {
            sign = majoritySign;
        }
        float sum = 0;
        float maxAbs = 0;
        int selected = 0;
        for (int r = 0; r < rows.length; r++) {
            float x = rows[r].getAtIndex(Layouts.F32, i);
            float trimmed = Math.abs(x) >= thresholds[r] ? x : 0f;
            if ((sign > 0 && trimmed > 0) || (sign <= 0 && trimmed < 0)) {
                sum += trimmed;
                maxAbs = Math.max(maxAbs, Math.abs(trimmed));
                selected++;
            }
        }
        return switch (function) {
            case SUM -> sum;
            case MEAN -> sum / Math.max(1, selected);
            case MAX -> maxAbs * sign;
        };
    }
}
