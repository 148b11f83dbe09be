package amalgam.fusion;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.MemorySegment;

/**
 * Cache-sized float32 windows over stored tensors, for methods that stream all inputs of a tensor in one pass:
 * an F32 input is used in place (no copy), any other dtype is widened into a scratch buffer.
 */
public final class F32Chunks {
    /** Elements per window: 256 KiB of floats, so a handful of windows stay in the L2 cache. */
    public static final long CHUNK = 64 * 1024;

    private F32Chunks() {
    }

    /** Elements [start, start + count) of {@code stored} as float32: a slice of it, or widened into {@code scratch}. */
    public static MemorySegment window(Tensor stored, long start, long count, MemorySegment scratch) {
        long elementBytes = stored.dtype().byteSize();
        MemorySegment bytes = stored.data().asSlice(start * elementBytes, count * elementBytes);
        if (stored.dtype() == DType.F32) {
            return bytes;
        }
        MemorySegment target = scratch.asSlice(0, count * Float.BYTES);
        Convert.toF32(Tensor.of(stored.dtype(), Shape.of(count), bytes), target);
        return target;
    }
}
