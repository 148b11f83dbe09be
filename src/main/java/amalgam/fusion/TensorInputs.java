package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.merge.ModelSource;
import amalgam.merge.NonFiniteInputs;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import amalgam.tensor.kernel.F32Kernels;
import amalgam.tensor.kernel.NonFinite;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * Reading one named tensor from pool models as float32 working copies (any floating or integer dtype is converted:
 * methods compute in float32 and the output takes the reference model's dtype), with checks whose messages name
 * the tensor, the model at fault and the reference model the output follows. Each read releases the source tensor
 * right after copying it.
 */
public final class TensorInputs {
    /** The pool name of the model whose tensor names and shapes the output follows, while a plan or job runs. */
    private static final ScopedValue<String> REFERENCE = ScopedValue.newInstance();

    private TensorInputs() {
    }

    /** Runs {@code work} with {@code referenceName} as the reference model named in input errors. */
    public static <T> T withReference(String referenceName, Supplier<T> work) {
        return ScopedValue.where(REFERENCE, referenceName).call(work::get);
    }

    /**
     * A float32 copy of {@code model}'s tensor, checked against the expected (reference) shape and for non-finite
     * values (window by window, while the copy is in the cache).
     */
    public static Tensor read(ModelSource model, String tensorName, Shape expected, Arena arena) {
        Tensor stored = stored(model, tensorName, expected);
        Tensor copy = Tensor.allocate(arena, DType.F32, expected);
        long count = expected.elementCount();
        long elementBytes = stored.dtype().byteSize();
        for (long start = 0; start < count; start += F32Chunks.CHUNK) {
            long n = Math.min(F32Chunks.CHUNK, count - start);
            MemorySegment window = copy.data().asSlice(start * Float.BYTES, n * Float.BYTES);
            Convert.toF32(Tensor.of(stored.dtype(), Shape.of(n), stored.data().asSlice(start * elementBytes, n * elementBytes)),
                    window);
            checkFinite(model, tensorName, window, start, n);
        }
        model.release(tensorName);
        return copy;
    }

    /**
     * Checks elements [start, start + count) of {@code model}'s tensor, given as float32 {@code window}, for NaN
     * and infinities, which the model's {@link NonFiniteInputs} policy refuses or records.
     */
    public static void checkFinite(ModelSource model, String tensorName, MemorySegment window, long start, long count) {
        long index = NonFinite.firstIndex(window, count);
        if (index >= 0) {
            model.nonFiniteInputs().found(model.name(), tensorName, start + index, window.getAtIndex(Layouts.F32, index));
        }
    }

    /** Checks a stored floating tensor (any dtype) of {@code model} for non-finite values, window by window. */
    public static void checkFinite(ModelSource model, String tensorName, Tensor stored) {
        if (!stored.dtype().isFloatingPoint()) {
            return;
        }
        long count = stored.elementCount();
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buffer = scratch.allocate(Math.min(count, F32Chunks.CHUNK) * Float.BYTES + Float.BYTES, 64);
            for (long start = 0; start < count; start += F32Chunks.CHUNK) {
                long n = Math.min(F32Chunks.CHUNK, count - start);
                checkFinite(model, tensorName, F32Chunks.window(stored, start, n, buffer), start, n);
            }
        }
    }

    /** {@code model}'s tensor as stored (any dtype, zero-copy), checked against the expected (reference) shape. */
    public static Tensor stored(ModelSource model, String tensorName, Shape expected) {
        Tensor stored = check(model, tensorName, expected);
        model.prefetch(tensorName);
        return stored;
    }

    /** {@code model}'s tensor as stored, checked as by {@link #stored}, without prefetching it. */
    public static Tensor check(ModelSource model, String tensorName, Shape expected) {
        if (!model.contains(tensorName)) {
            throw new UserInputException("tensor '" + tensorName + "' is in " + reference() + " but missing from model '"
                    + model.name() + "'");
        }
        Tensor stored = model.tensor(tensorName);
        if (!stored.shape().equals(expected)) {
            throw new UserInputException("tensor '" + tensorName + "': shape " + stored.shape() + " in model '"
                    + model.name() + "' but " + expected + " in " + reference());
        }
        return stored;
    }

    /** The task vector {@code model - base} in float32 (base already an F32 copy). */
    public static Tensor taskVector(ModelSource model, String tensorName, Tensor base, Arena arena) {
        Tensor vector = read(model, tensorName, base.shape(), arena);
        F32Kernels.subtract(vector.data(), base.data(), vector.data(), vector.elementCount());
        return vector;
    }

    private static String reference() {
        return REFERENCE.isBound() ? "the reference model '" + REFERENCE.get() + "'" : "the reference model";
    }
}
