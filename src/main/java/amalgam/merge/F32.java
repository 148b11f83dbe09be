package amalgam.merge;

import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/** Working-precision helpers for merge methods: every method computes in float32. */
public final class F32 {
    private F32() {
    }

    /** A float32 copy of any tensor in the arena (a copy even when it is already F32: inputs are read-only). */
    public static Tensor copyOf(Tensor tensor, Arena arena) {
        Tensor copy = Tensor.allocate(arena, DType.F32, tensor.shape());
        if (tensor.dtype() == DType.F32) {
            copy.data().copyFrom(tensor.data());
        } else {
            for (long i = 0, n = tensor.elementCount(); i < n; i++) {
                copy.setFloat(i, tensor.getFloat(i));
            }
        }
        return copy;
    }

    /** A zero F32 tensor of the given tensor's shape. */
    public static Tensor zerosLike(Tensor tensor, Arena arena) {
        return Tensor.allocate(arena, DType.F32, tensor.shape());
    }
}
