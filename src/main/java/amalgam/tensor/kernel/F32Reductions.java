package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorized float32 reductions with double accumulation. Each float vector is widened to two double vectors that
 * accumulate lane-wise; at the end the lanes are added in lane order (never {@code reduceLanes}, whose order is
 * unspecified and may differ between interpreted and compiled code), then the scalar tail in index order. The
 * result therefore depends only on the data, the count and the vector width: it is the same on every call and
 * whatever the thread count. It differs from the index-order sum of {@link ScalarF32Kernels} by reassociation only,
 * bounded by about {@code count * 2^-53 * sum(|terms|)}.
 */
final class F32Reductions {
    private static final VectorSpecies<Float> FLOATS = F32Kernels.FLOATS;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final int LANES = F32Kernels.LANES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private F32Reductions() {
    }

    private enum Kind { SUM, ABS, SQUARE }

    static double sum(MemorySegment a, long count) {
        return unary(a, count, Kind.SUM);
    }

    static double l1Norm(MemorySegment a, long count) {
        return unary(a, count, Kind.ABS);
    }

    static double sumOfSquares(MemorySegment a, long count) {
        return unary(a, count, Kind.SQUARE);
    }

    private static double unary(MemorySegment a, long count, Kind kind) {
        SegmentChecks.f32(a, count, "a");
        DoubleVector low = DoubleVector.zero(DOUBLES);
        DoubleVector high = DoubleVector.zero(DOUBLES);
        long bound = F32Kernels.loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            FloatVector value = FloatVector.fromMemorySegment(FLOATS, a, i * Float.BYTES, LE);
            if (kind == Kind.ABS) {
                value = value.abs();
            }
            DoubleVector first = (DoubleVector) value.convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector second = (DoubleVector) value.convertShape(VectorOperators.F2D, DOUBLES, 1);
            if (kind == Kind.SQUARE) {
                first = first.mul(first);
                second = second.mul(second);
            }
            low = low.add(first);
            high = high.add(second);
        }
        double total = inLaneOrder(low.add(high));
        for (; i < count; i++) {
            double value = a.getAtIndex(Layouts.F32, i);
            total += switch (kind) {
                case SUM -> value;
                case ABS -> Math.abs(value);
                case SQUARE -> value * value;
            };
        }
        return total;
    }

    static double dot(MemorySegment a, MemorySegment b, long count) {
        SegmentChecks.f32(a, count, "a");
        SegmentChecks.f32(b, count, "b");
        DoubleVector low = DoubleVector.zero(DOUBLES);
        DoubleVector high = DoubleVector.zero(DOUBLES);
        long bound = F32Kernels.loopBound(count);
        long i = 0;
        for (; i < bound; i += LANES) {
            long offset = i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(FLOATS, a, offset, LE);
            FloatVector y = FloatVector.fromMemorySegment(FLOATS, b, offset, LE);
            DoubleVector x0 = (DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector x1 = (DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 1);
            DoubleVector y0 = (DoubleVector) y.convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector y1 = (DoubleVector) y.convertShape(VectorOperators.F2D, DOUBLES, 1);
            low = low.add(x0.mul(y0)); // products of floats are exact in double
            high = high.add(x1.mul(y1));
        }
        double total = inLaneOrder(low.add(high));
        for (; i < count; i++) {
            total += (double) a.getAtIndex(Layouts.F32, i) * b.getAtIndex(Layouts.F32, i);
        }
        return total;
    }

    private static double inLaneOrder(DoubleVector lanes) {
        double total = 0;
        for (double lane : lanes.toArray()) {
            total += lane;
        }
        return total;
    }
}
