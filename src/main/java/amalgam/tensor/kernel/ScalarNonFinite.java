package amalgam.tensor.kernel;

import amalgam.tensor.Layouts;
import java.lang.foreign.MemorySegment;

/** Scalar reference twin of {@link NonFinite}: one element at a time in index order. */
public final class ScalarNonFinite {
    private ScalarNonFinite() {
    }

    /** The index of the first NaN or infinity among {@code count} floats of {@code a}, or -1 if all are finite. */
    public static long firstIndex(MemorySegment a, long count) {
        SegmentChecks.f32(a, count, "a");
        for (long i = 0; i < count; i++) {
            if (!Float.isFinite(a.getAtIndex(Layouts.F32, i))) {
                return i;
            }
        }
        return -1;
    }

    /** How many of the {@code count} floats of {@code a} are NaN or infinite. */
    public static long count(MemorySegment a, long count) {
        SegmentChecks.f32(a, count, "a");
        long found = 0;
        for (long i = 0; i < count; i++) {
            if (!Float.isFinite(a.getAtIndex(Layouts.F32, i))) {
                found++;
            }
        }
        return found;
    }
}
