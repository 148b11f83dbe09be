package amalgam.fusion;

import amalgam.UserInputException;
import amalgam.merge.F32;
import amalgam.merge.ModelSource;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import amalgam.tensor.kernel.F32Kernels;
import java.lang.foreign.Arena;

/**
 * Reading one named tensor from pool models as float32 working copies, with shape checks that name the model.
 * Each read releases the source tensor right after copying it.
 */
public final class TensorInputs {
    private TensorInputs() {
    }

    /** A float32 copy of {@code model}'s tensor, checked against the expected shape. */
    public static Tensor read(ModelSource model, String tensorName, Shape expected, Arena arena) {
        Tensor copy = F32.copyOf(stored(model, tensorName, expected), arena);
        model.release(tensorName);
        return copy;
    }

    /** {@code model}'s tensor as stored (any dtype, zero-copy), checked against the expected shape. */
    public static Tensor stored(ModelSource model, String tensorName, Shape expected) {
        Tensor stored = model.tensor(tensorName);
        if (!stored.shape().equals(expected)) {
            throw new UserInputException("tensor '" + tensorName + "': shape " + stored.shape() + " in model '"
                    + model.name() + "' but " + expected + " in the reference model");
        }
        return stored;
    }

    /** The task vector {@code model - base} in float32 (base already an F32 copy). */
    public static Tensor taskVector(ModelSource model, String tensorName, Tensor base, Arena arena) {
        Tensor vector = read(model, tensorName, base.shape(), arena);
        F32Kernels.subtract(vector.data(), base.data(), vector.data(), vector.elementCount());
        return vector;
    }
}
