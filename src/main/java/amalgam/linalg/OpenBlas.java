package amalgam.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The native side of the facade: loads OpenBLAS once when the class initialises, reports what was loaded, controls
 * its thread count, and turns off-heap {@link MemorySegment}s into JavaCPP pointers without copying.
 *
 * <p>Zero-copy route: a JavaCPP {@link Pointer} is just an address plus position/limit/capacity; a tiny subclass sets
 * the address of a native segment directly (no {@code ByteBuffer}, so no 2 GiB limit) and
 * {@link FloatPointer#FloatPointer(Pointer)} re-types it. The pointer owns nothing (no deallocator); the segment's arena
 * must stay open for the duration of the call, which the facade guarantees by only using pointers inside one call.
 *
 * <p>The bytedeco presets do not map the {@code openblas_*} runtime functions (they dispatch across BLAS vendors), so
 * the four needed here are called through the Java FFM linker at the addresses JavaCPP resolved in the loaded library.
 */
final class OpenBlas {
    /** Path of the loaded JNI library (loading happens here, once). */
    private static final String LIBRARY = Loader.load(openblas.class);

    private static final MethodHandle GET_CONFIG = downcall("openblas_get_config", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle GET_CORENAME = downcall("openblas_get_corename", FunctionDescriptor.of(ValueLayout.ADDRESS));
    private static final MethodHandle GET_NUM_THREADS = downcall("openblas_get_num_threads", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle SET_NUM_THREADS = downcall("openblas_set_num_threads", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));

    static {
        setThreads(BlasThreads.DEFAULT); // until work asks for more (OpenBLAS would start with every core)
    }

    private OpenBlas() {
    }

    private static MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        Pointer address = Loader.addressof(symbol);
        if (address == null || address.isNull()) {
            throw new IllegalStateException("symbol " + symbol + " not found in " + LIBRARY);
        }
        return Linker.nativeLinker().downcallHandle(MemorySegment.ofAddress(address.address()), descriptor);
    }

    private static String cString(MethodHandle function) {
        try {
            MemorySegment text = (MemorySegment) function.invokeExact();
            return text.equals(MemorySegment.NULL) ? "" : text.reinterpret(4096).getString(0);
        } catch (Throwable e) {
            throw new IllegalStateException("calling into OpenBLAS failed", e);
        }
    }

    /** The build configuration, e.g. "OpenBLAS 0.3.30 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64". */
    static String config() {
        return cString(GET_CONFIG);
    }

    /** The kernel family chosen at run time for this CPU, e.g. "Haswell". */
    static String coreName() {
        return cString(GET_CORENAME);
    }

    static int threads() {
        try {
            return (int) GET_NUM_THREADS.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("openblas_get_num_threads failed", e);
        }
    }

    static void setThreads(int threads) {
        try {
            SET_NUM_THREADS.invokeExact(threads);
        } catch (Throwable e) {
            throw new IllegalStateException("openblas_set_num_threads failed", e);
        }
    }

    /**
     * "OpenBLAS 0.3.30 Haswell": version from the build config and the kernel core. Not the thread count: this text
     * is recorded in outputs, which must not depend on {@code --threads}.
     */
    static String backend() {
        String[] words = config().split(" ");
        String version = words.length >= 2 ? words[0] + " " + words[1] : "OpenBLAS";
        return version + " " + coreName();
    }

    /** A pointer that only carries an address; it owns nothing. */
    private static final class Address extends Pointer {
        Address(long address, long elements) {
            this.address = address;
            this.limit = elements;
            this.capacity = elements;
        }
    }

    /** A float pointer onto a native segment (no copy). */
    static FloatPointer floats(MemorySegment segment) {
        requireNative(segment);
        return new FloatPointer(new Address(segment.address(), segment.byteSize() / Float.BYTES));
    }

    /** A double pointer onto a native segment (no copy). */
    static DoublePointer doubles(MemorySegment segment) {
        requireNative(segment);
        return new DoublePointer(new Address(segment.address(), segment.byteSize() / Double.BYTES));
    }

    /** An int pointer onto a native segment (no copy). */
    static IntPointer ints(MemorySegment segment) {
        requireNative(segment);
        return new IntPointer(new Address(segment.address(), segment.byteSize() / Integer.BYTES));
    }

    /**
     * Native code bypasses the segment's access checks, so check here that it is off-heap, and (by reading one byte)
     * that its arena is still open and may be used from this thread. A shared arena closed by another thread while a
     * call is running is the caller's error, as with any native call.
     */
    private static void requireNative(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("native code needs an off-heap segment, got " + segment);
        }
        if (segment.byteSize() > 0) {
            segment.get(ValueLayout.JAVA_BYTE, 0);
        }
    }

    /**
     * The segment itself when it is off-heap; a heap segment (e.g. {@code MemorySegment.ofArray}) is copied once into
     * {@code scratch}, because native code cannot address the Java heap.
     */
    static MemorySegment offHeap(Arena scratch, MemorySegment segment) {
        if (segment.isNative()) {
            return segment;
        }
        return scratch.allocate(segment.byteSize(), 64).copyFrom(segment);
    }

    /** A dimension as the 32-bit integer the BLAS/LAPACK interface takes, or an error naming it. */
    static int dimension(String name, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " = " + value + " does not fit the 32-bit BLAS/LAPACK interface");
        }
        return (int) value;
    }

    /** A leading dimension: BLAS/LAPACK require at least 1 even for empty matrices. */
    static int leading(long columns) {
        return Math.max(1, dimension("leading dimension", columns));
    }

    /**
     * Turns a LAPACK {@code info} into an exception. Negative: argument {@code -info} was illegal (a bug here).
     * Positive: the meaning is routine specific and given by {@code failure}.
     */
    static void check(String routine, int info, String failure) {
        if (info == openblas.LAPACK_WORK_MEMORY_ERROR || info == openblas.LAPACK_TRANSPOSE_MEMORY_ERROR) {
            throw new OutOfMemoryError(routine + ": LAPACKE could not allocate native "
                    + (info == openblas.LAPACK_WORK_MEMORY_ERROR ? "workspace" : "transposition buffers"));
        }
        if (info < 0) {
            throw new LinearAlgebraException(routine, info, routine + ": argument " + (-info) + " had an illegal value");
        }
        if (info > 0) {
            throw new LinearAlgebraException(routine, info, routine + ": " + failure + " (info = " + info + ")");
        }
    }
}
