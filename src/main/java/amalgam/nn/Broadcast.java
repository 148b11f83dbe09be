package amalgam.nn;

import amalgam.tensor.Shape;
import java.util.Arrays;

/**
 * NumPy broadcasting of two shapes (aligned on the right; a dim of 1 or a missing dim repeats). The output is walked
 * as rows of its last dim; {@link #offsets} gives, for one row, where it starts in the output and in each operand, and
 * {@link #aInner}/{@link #bInner} the operands' steps along the row (1, or 0 when broadcast along it).
 */
final class Broadcast {
    final Shape out;
    final long rows;
    final int inner;
    final long aInner;
    final long bInner;
    final boolean aFull; // a has the output's shape (no repetition)
    final boolean bFull;
    private final long[] dims;
    private final long[] aStrides;
    private final long[] bStrides;

    Broadcast(String op, Shape a, Shape b) {
        int rank = Math.max(Math.max(a.rank(), b.rank()), 1);
        dims = new long[rank];
        aStrides = strides(a, rank);
        bStrides = strides(b, rank);
        for (int axis = 0; axis < rank; axis++) {
            long ad = dimAligned(a, axis, rank);
            long bd = dimAligned(b, axis, rank);
            if (ad != bd && ad != 1 && bd != 1) {
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b + " do not broadcast");
            }
            dims[axis] = ad == 1 ? bd : ad;
            if (ad == 1 && dims[axis] != 1) {
                aStrides[axis] = 0;
            }
            if (bd == 1 && dims[axis] != 1) {
                bStrides[axis] = 0;
            }
        }
        out = Shape.of(dims);
        inner = Math.toIntExact(dims[rank - 1]);
        rows = inner == 0 ? 0 : out.elementCount() / inner;
        aInner = aStrides[rank - 1];
        bInner = bStrides[rank - 1];
        aFull = a.elementCount() == out.elementCount();
        bFull = b.elementCount() == out.elementCount();
    }

    private static long dimAligned(Shape shape, int axis, int rank) {
        int source = axis - (rank - shape.rank());
        return source < 0 ? 1 : shape.dim(source);
    }

    private static long[] strides(Shape shape, int rank) {
        long[] strides = new long[rank];
        long stride = 1;
        for (int axis = rank - 1; axis >= 0; axis--) {
            strides[axis] = stride;
            stride *= dimAligned(shape, axis, rank);
        }
        return strides;
    }

    /** Fills {@code offsets} with the start of output row {@code row} in a and in b: {aOffset, bOffset}. */
    void offsets(long row, long[] offsets) {
        long aOffset = 0;
        long bOffset = 0;
        long rest = row;
        for (int axis = dims.length - 2; axis >= 0; axis--) {
            long index = rest % dims[axis];
            rest /= dims[axis];
            aOffset += index * aStrides[axis];
            bOffset += index * bStrides[axis];
        }
        offsets[0] = aOffset;
        offsets[1] = bOffset;
    }

    @Override
    public String toString() {
        return "Broadcast" + Arrays.toString(dims);
    }
}
