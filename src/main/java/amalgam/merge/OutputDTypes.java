package amalgam.merge;

import amalgam.tensor.DType;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.Convert;
import java.lang.foreign.Arena;

/** Narrows a computed float32 tensor to the dtype of the output (round to nearest even for floats). */
final class OutputDTypes {
    private OutputDTypes() {
    }

    static Tensor convert(Tensor computed, DType target, Arena arena) {
        if (computed.dtype() == target) {
            return computed;
        }
        Tensor out = Tensor.allocate(arena, target, computed.shape());
        Convert.fromF32(computed.data(), out);
        return out;
    }
}
