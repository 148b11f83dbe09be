package amalgam.merge;

import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * One output tensor of a merge: its name, dtype and shape are known when the plan is built; {@link #compute}
 * reads its inputs (zero-copy mapped tensors), merges them in float32 and returns the result. A job does no
 * output I/O and must be a pure function of its inputs and the seed, so any thread may run it.
 */
public interface TensorJob {
    /** Name of the tensor in the output checkpoint. */
    String outputName();

    /** Dtype written to the output (the engine converts the computed tensor to it). */
    DType outputDType();

    Shape outputShape();

    /**
     * Upper bound of the bytes this job allocates while it runs (inputs converted to F32, scratch, result);
     * the engine admits jobs while the sum over running jobs stays under its memory budget.
     */
    long workingBytes();

    /** Computes the tensor; every allocation goes to {@code arena}, which the engine closes after writing. */
    Tensor compute(Arena arena);
}
