package amalgam.merge;

import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;

/** Working-precision helpers for merge methods: every method computes in float32. */
public final class F32 {
    private F32() {
    }

    /** A float32 copy of any tensor in the arena (a copy even when it is already F32: inputs are read-only). */
    public static Tensor copyOf(Tensor tensor, Arena arena) {
        return Convert.toF32(tensor, arena);
    }

    /** A zero F32 tensor of the given tensor's shape. */
    public static Tensor zerosLike(Tensor tensor, Arena arena) {
        return Tensor.allocate(arena, DType.F32, tensor.shape());
    }
}
