package amalgam.tensor.kernel;

import java.lang.foreign.MemorySegment;

/** Boundary checks shared by the kernels: a segment must hold {@code count} elements of the given size. */
final class SegmentChecks {
    private SegmentChecks() {
    }

    static void elements(MemorySegment segment, long count, int elementBytes, String name) {
        if (count < 0) {
            throw new IllegalArgumentException("negative element count " + count + " for '" + name + "'");
        }
        long needed = Math.multiplyExact(count, (long) elementBytes);
        if (segment.byteSize() < needed) {
            throw new IndexOutOfBoundsException("segment '" + name + "' has " + segment.byteSize() + " bytes but "
                    + count + " elements of " + elementBytes + " bytes need " + needed);
        }
    }

    static void f32(MemorySegment segment, long count, String name) {
        elements(segment, count, Float.BYTES, name);
    }

    /** The segment holds float32 elements [offset, offset + count). */
    static void f32(MemorySegment segment, long offset, long count, String name) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative element offset " + offset + " for '" + name + "'");
        }
        elements(segment, Math.addExact(offset, count), Float.BYTES, name);
    }

    static void bytes(MemorySegment segment, long count, String name) {
        elements(segment, count, 1, name);
    }
}
