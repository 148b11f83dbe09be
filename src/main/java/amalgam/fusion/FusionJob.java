package amalgam.fusion;

import amalgam.merge.TensorJob;
import amalgam.tensor.DType;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.function.Function;

/** A {@link TensorJob} whose computation is a pure function of the job arena. */
public record FusionJob(String outputName, DType outputDType, Shape outputShape, long workingBytes,
                        Function<Arena, Tensor> computation) implements TensorJob {
    @Override
    public Tensor compute(Arena arena) {
        return computation.apply(arena);
    }
}
